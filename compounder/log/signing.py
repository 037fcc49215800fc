"""Signed heads: an Ed25519 signature over an anchor's line, so whoever can write the
anchor file cannot forge a head (``compounder log anchor --sign``). The private key is
named by ``[log] signing_key``; verify checks with ``[log] verify_key`` (a public key)
or the signing key (``anchor.signing_key_path``, ``anchor.verify_key_path``).
``cryptography`` is imported only here, only when signing or checking a signature.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.errors import DataFileError

if TYPE_CHECKING:
    from compounder.log.anchor import Head


def private_key(path: Path) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        problem = getattr(exc, "strerror", None) or "is not an unencrypted PEM private key"
        raise DataFileError(str(path), "log.signing_key", problem, "an Ed25519 key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise DataFileError(str(path), "log.signing_key", "is not an Ed25519 key", "an Ed25519 key")
    return key


def public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(str(path), "log", exc.strerror or "cannot be read") from None
    if b"PRIVATE KEY" in data:
        return private_key(path).public_key()
    try:
        key = load_pem_public_key(data)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise DataFileError(str(path), "log.verify_key", "is not an Ed25519 key", "an Ed25519 key")
    return key


def sign(head: Head, key_path: Path) -> Head:
    signature = private_key(key_path).sign(head.text().encode())
    return replace(head, signature=base64.b64encode(signature).decode())


def signature_holds(head: Head, key: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(base64.b64decode(head.signature), head.text().encode())
    except (InvalidSignature, ValueError):
        return False
    return True
