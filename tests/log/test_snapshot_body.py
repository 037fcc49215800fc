"""A batch label's snapshot JSON, put together from each block's JSON, is character for
character what ``json.dumps`` writes for the whole snapshot."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from compounder.content.blocks import Block
from compounder.content.labels import LabelContent
from compounder.log.chain import snapshot_hash, snapshot_json
from compounder.log.snapshots import contents_body, contents_snapshot

texts = st.text(max_size=40) | st.sampled_from(["Jane Doe", 'say "hi"\n\\ •', "Zoë\u0000\t"])
blocks = st.builds(Block, st.sampled_from(["patient", "key", "drug"]), texts, texts, st.booleans())
contents = st.builds(
    LabelContent,
    texts,
    st.lists(blocks, max_size=5).map(tuple),
    st.lists(blocks, max_size=2).map(tuple),
    st.sampled_from(["", "Label {n} of {total}", "Etiqueta {n} de {total} «»"]),
    code=st.sampled_from(["", "1234567261207", 'AB-1"\\261207']),
)


@given(st.lists(contents, max_size=3), st.text(alphabet="0123456789abcdef", max_size=64))
def test_contents_body_is_the_snapshots_json(labels, frame):
    body = {"contents": contents_snapshot(labels), "frame": frame}
    text, digest = snapshot_json(body)
    assert contents_body(labels, frame) == text
    assert snapshot_hash(contents_body(labels, frame)) == digest
