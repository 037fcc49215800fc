"""HL7 FHIR R4 exchange with a pharmacy system, written and read as plain JSON.

- ``resources``: the field builders and readers every direction shares (UCUM
  quantities and ratios, concepts, references, dateTimes, a dosage, exact JSON);
- ``export``: the log's dispensings out, as MedicationDispense resources
  (``compounder export fhir``);
- ``request`` (with ``request_files``, ``request_order``, ``request_steps``,
  ``request_errors``): orders in, MedicationRequest resources read into order rows.

The rule: no module here imports a FHIR library (resources are dicts, numbers exact
decimals), so nothing FHIR costs a command that does not ask for it; the tests
validate what is written with ``fhir.resources`` (R4B models).
"""
