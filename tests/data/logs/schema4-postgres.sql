--
-- PostgreSQL database dump
--

\restrict GLt6qw7zO6xJJmiYwrxdSo4QgbDbQRZa0KfM9CkiraCkXMiIBfPaUFa4nrJGfDr

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: compounder_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.compounder_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'the log is append-only'; END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.entries (
    id bigint NOT NULL,
    kind text NOT NULL COLLATE pg_catalog."C",
    rx text COLLATE pg_catalog."C",
    lot text COLLATE pg_catalog."C",
    created_at text NOT NULL COLLATE pg_catalog."C",
    corrects bigint,
    payload text NOT NULL COLLATE pg_catalog."C",
    batch_key text COLLATE pg_catalog."C",
    prev_hash text COLLATE pg_catalog."C",
    hash text COLLATE pg_catalog."C"
);


--
-- Name: ingredient_uses; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ingredient_uses (
    entry_id bigint NOT NULL,
    ingredient text NOT NULL COLLATE pg_catalog."C",
    lot text NOT NULL COLLATE pg_catalog."C",
    expiry text COLLATE pg_catalog."C",
    quantity text COLLATE pg_catalog."C"
);


--
-- Name: lot_sequence; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lot_sequence (
    day text NOT NULL COLLATE pg_catalog."C",
    last integer NOT NULL
);


--
-- Name: meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meta (
    key text NOT NULL COLLATE pg_catalog."C",
    value text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: reservation_ends; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reservation_ends (
    run_key text NOT NULL COLLATE pg_catalog."C",
    ended_at text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: reservations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reservations (
    lot text NOT NULL COLLATE pg_catalog."C",
    day text NOT NULL COLLATE pg_catalog."C",
    run_key text NOT NULL COLLATE pg_catalog."C",
    batch_key text NOT NULL COLLATE pg_catalog."C",
    reserved_at text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: schema_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_versions (
    version integer NOT NULL,
    applied_at text NOT NULL COLLATE pg_catalog."C"
);


--
-- Name: snapshots; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.snapshots (
    hash text NOT NULL COLLATE pg_catalog."C",
    body text NOT NULL COLLATE pg_catalog."C"
);


--
-- Data for Name: entries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.entries VALUES (1, 'preparation', '1234567', '20261201-001', '2026-12-07T17:31:23', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "bud_basis_kind": "category", "certificate": null, "checked_by": "MK", "components": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "lots": [{"expiry": "2027-06-30", "ingredient": "naltrexone 50mg tab", "lot": "AB1234", "manufacturer": "", "ndc": "", "quantity": "1 x 50 mg tablet", "source": ""}], "quantity": "1 x 50 mg tablet", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "lots": [{"expiry": "2027-01-31", "ingredient": "purified water", "lot": "W7", "manufacturer": "", "ndc": "", "quantity": "to 50 mL", "source": ""}], "quantity": "to 50 mL", "role": "vehicle", "unit": "mL"}], "compounded_at": "2026-12-01", "compounded_date": "2026-12-01", "compounded_time": null, "drug_mass_mg": "50", "equipment": {"balance": "", "weighed": false}, "ingredients": [{"expiry": "2027-06-30", "ingredient": "naltrexone 50mg tab", "lot": "AB1234", "manufacturer": "", "ndc": "", "quantity": "1 x 50 mg tablet", "source": ""}, {"expiry": "2027-01-31", "ingredient": "purified water", "lot": "W7", "manufacturer": "", "ndc": "", "quantity": "to 50 mL", "source": ""}], "lot": "20261201-001", "master_formulation": {"bud_limits": ["USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "expiry of ingredient lot AB1234 (\"naltrexone 50mg tab\")", "expiry of ingredient lot W7 (\"purified water\")"], "bud_rule": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "calculation": "1 mg/mL x 30 mL = 30 mg; 1 tablet(s) of 50 mg = 50 mg, made up to 50 mL", "container": "amber glass or plastic bottle", "dosage_form": "oral suspension", "drug": "Naltrexone hydrochloride 50 mg tablets", "effective": "2026-11-01", "equipment": ["mortar and pestle", "graduated cylinder"], "formula": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "quantity": "1 x 50 mg tablet", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "quantity": "to 50 mL", "role": "vehicle", "unit": "mL"}], "id": "LDN-T50-W-1", "method": ["Count 1 x 50 mg tablet and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 50 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "name": "Naltrexone HCl 1 mg/mL oral suspension from Naltrexone hydrochloride 50 mg tablets, in purified water", "purity": "tablets as labelled (strength per tablet)", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "salt": "doses as naltrexone hydrochloride; source is the hydrochloride", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "strength": "1 mg/mL", "vehicle": "Purified water", "vehicle_id": "water", "vehicle_preparation": {"make": "Make 50 mL of purified water", "make_ml": "50", "steps": []}, "version": 1, "warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"]}, "pdf_sha256": "921990c64a9ab9796b4a764965686b93adb3c63f7ca91c1edd61c39c7864fdad", "preparation": {"assay": null, "auxiliary_warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"], "bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "certificate_notes": [], "concentration": "1 mg/mL", "dose_salt": "hydrochloride", "drug_in_batch_mg": "50", "drug_mass_calculated_mg": "50", "drug_mass_mg": "50", "excess_ml": "20", "final_volume_ml": "50", "form": "tablet", "method": ["Count 1 x 50 mg tablet and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 50 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "requested_volume_ml": "30", "source": "tablet-50mg", "source_name": "Naltrexone hydrochloride 50 mg tablets", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "tablet_strength_mg": "50", "tablets": 1, "vehicle": "water", "vehicle_name": "Purified water", "water": null}, "prepared_by": "JD", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "quantity_made_ml": "50", "requested_ml": "30", "rx": "1234567", "safety": {"off_protocol_reason": null, "screening": null}, "single_pharmacist": false, "tablets": 1, "time_known": false, "title": "Naltrexone HCl 1 mg/mL oral suspension", "warnings": []}', NULL, '0000000000000000000000000000000000000000000000000000000000000000', '489dbe4f6443381d3a0c952237c70f299b363512618260a021ab2006929f9a9a');
INSERT INTO public.entries VALUES (2, 'label', '1234567', '20261201-001', '2026-12-07T17:31:23', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "concentration_mg_ml": "1", "fill_date": "2026-12-01", "fill_dates": ["2026-12-01"], "labels": 1, "off_protocol_reason": null, "pdf_sha256": "28a8ecbbfebbc5fd340e2ee9e921210654178d3c4d1ad235e1782f27902ed913", "quantity_ml": ["25"], "screening": {"classes": ["opioids", "corticosteroids", "immunosuppressants"], "decision": "proceed", "hits": [], "liver_kidney_history": false, "medicines": [], "not_screened": [], "override": null}, "snapshot": "4834861062d7c503ff5c2f820833200e7def8adafce0b84981aa9cce414f2fb5"}', NULL, '489dbe4f6443381d3a0c952237c70f299b363512618260a021ab2006929f9a9a', '11a7a59046a3867148c20848a6b635e6f136177224f8f2be23d91f613193e23d');
INSERT INTO public.entries VALUES (3, 'reprint', '1234567', '20261201-001', '2026-12-07T17:31:23', NULL, '{"pdf_sha256": "28a8ecbbfebbc5fd340e2ee9e921210654178d3c4d1ad235e1782f27902ed913", "reprints": 2, "snapshot": "4834861062d7c503ff5c2f820833200e7def8adafce0b84981aa9cce414f2fb5"}', NULL, '11a7a59046a3867148c20848a6b635e6f136177224f8f2be23d91f613193e23d', '4a7c50557248fec1cfad2a60ace842987434dd85ce78d282adc1a26381d69160');
INSERT INTO public.entries VALUES (4, 'preparation', NULL, '20261201-002', '2026-12-07T17:31:24', NULL, '{"planned_by_batch": "9715ce73227a4af8", "preparation_key": "2026-12-01|1|water|tablet-50mg"}', 'batch:9715ce73227a4af8:2026-12-01|1|water|tablet-50mg', '4a7c50557248fec1cfad2a60ace842987434dd85ce78d282adc1a26381d69160', '9202c2d7e5e006bf81c743318955fd41edb9195a211bf09bb71e5fbea0682c28');
INSERT INTO public.entries VALUES (5, 'preparation', NULL, '20261201-003', '2026-12-07T17:31:24', NULL, '{"planned_by_batch": "9715ce73227a4af8", "preparation_key": "2026-12-01|0.5|water|tablet-50mg"}', 'batch:9715ce73227a4af8:2026-12-01|0.5|water|tablet-50mg', '9202c2d7e5e006bf81c743318955fd41edb9195a211bf09bb71e5fbea0682c28', '75b96a1da526fee4e0b89abe7b8719e5fd45a46f0b95be493a034b5260e4a5fd');
INSERT INTO public.entries VALUES (6, 'preparation', NULL, '20261201-004', '2026-12-07T17:31:24', NULL, '{"planned_by_batch": "9715ce73227a4af8", "preparation_key": "2026-12-01|1|fawcett-preserved|tablet-50mg"}', 'batch:9715ce73227a4af8:2026-12-01|1|fawcett-preserved|tablet-50mg', '75b96a1da526fee4e0b89abe7b8719e5fd45a46f0b95be493a034b5260e4a5fd', 'd688df53832a0f47ec0372116275a8db7c17af5746605ca312c62e66a588f47f');
INSERT INTO public.entries VALUES (7, 'batch-record', NULL, '20261201-003', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "bud_basis_kind": "category", "certificate": null, "checked_by": "________", "components": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "lots": [], "quantity": "1 x 50 mg tablet", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "lots": [], "quantity": "to 100 mL", "role": "vehicle", "unit": "mL"}], "compounded_at": "2026-12-01", "compounded_date": "2026-12-01", "compounded_time": null, "drug_mass_mg": "50", "equipment": {"balance": "", "weighed": false}, "ingredients": [], "lot": "20261201-003", "master_formulation": {"bud_limits": ["USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)"], "bud_rule": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "calculation": "0.5 mg/mL x 16 mL = 8 mg; 1 tablet(s) of 50 mg = 50 mg, made up to 100 mL", "container": "amber glass or plastic bottle", "dosage_form": "oral suspension", "drug": "Naltrexone hydrochloride 50 mg tablets", "effective": "2026-11-01", "equipment": ["mortar and pestle", "graduated cylinder"], "formula": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "quantity": "1 x 50 mg tablet", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "quantity": "to 100 mL", "role": "vehicle", "unit": "mL"}], "id": "LDN-T50-W-05", "method": ["Count 1 x 50 mg tablet and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 100 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "name": "Naltrexone HCl 0.5 mg/mL oral suspension from Naltrexone hydrochloride 50 mg tablets, in purified water", "purity": "tablets as labelled (strength per tablet)", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "salt": "doses as naltrexone hydrochloride; source is the hydrochloride", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "strength": "0.5 mg/mL", "vehicle": "Purified water", "vehicle_id": "water", "vehicle_preparation": {"make": "Make 100 mL of purified water", "make_ml": "100", "steps": []}, "version": 1, "warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"]}, "preparation": {"assay": null, "auxiliary_warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"], "bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "certificate_notes": [], "concentration": "0.5 mg/mL", "dose_salt": "hydrochloride", "drug_in_batch_mg": "50", "drug_mass_calculated_mg": "50", "drug_mass_mg": "50", "excess_ml": "84", "final_volume_ml": "100", "form": "tablet", "method": ["Count 1 x 50 mg tablet and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 100 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "requested_volume_ml": "16", "source": "tablet-50mg", "source_name": "Naltrexone hydrochloride 50 mg tablets", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "tablet_strength_mg": "50", "tablets": 1, "vehicle": "water", "vehicle_name": "Purified water", "water": null}, "prepared_by": "________", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "quantity_made_ml": "100", "requested_ml": "16", "rx": null, "single_pharmacist": false, "tablets": 1, "time_known": false, "title": "Naltrexone HCl 0.5 mg/mL oral suspension", "warnings": []}', 'batch-record:9715ce73227a4af8:20261201-003', 'd688df53832a0f47ec0372116275a8db7c17af5746605ca312c62e66a588f47f', '6ee26ddc1cd52c1f6d2f7235ee2c3df22fabb3119cd81060b668ab91620fa58d');
INSERT INTO public.entries VALUES (8, 'batch-record', NULL, '20261201-004', '2026-12-07T17:31:24', NULL, '{"bud": "2027-01-04", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "bud_basis_kind": "category", "certificate": null, "checked_by": "________", "components": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "lots": [], "quantity": "8 x 50 mg tablets", "role": "drug", "unit": "tablets"}, {"ingredient": "Ascorbic acid USP", "lots": [], "quantity": "2 g", "role": "vehicle", "unit": "g"}, {"ingredient": "Sodium benzoate NF", "lots": [], "quantity": "400 mg", "role": "vehicle", "unit": "mg"}, {"ingredient": "Glycerol USP", "lots": [], "quantity": "80 mL", "role": "vehicle", "unit": "mL"}, {"ingredient": "Purified water USP", "lots": [], "quantity": "to 400 mL", "role": "vehicle", "unit": "mL"}], "compounded_at": "2026-12-01", "compounded_date": "2026-12-01", "compounded_time": null, "drug_mass_mg": "400", "equipment": {"balance": "BAL-01", "weighed": true}, "ingredients": [], "lot": "20261201-004", "master_formulation": {"bud_limits": ["USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)"], "bud_rule": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "calculation": "1 mg/mL x 358 mL = 358 mg; 8 tablet(s) of 50 mg = 400 mg, made up to 400 mL", "container": "amber bottle", "dosage_form": "oral suspension", "drug": "Naltrexone hydrochloride 50 mg tablets", "effective": "2026-11-01", "equipment": ["mortar and pestle", "graduated cylinder", "glass beaker and stirring rod"], "formula": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "quantity": "8 x 50 mg tablets", "role": "drug", "unit": "tablets"}, {"ingredient": "Ascorbic acid USP", "quantity": "2 g", "role": "vehicle", "unit": "g"}, {"ingredient": "Sodium benzoate NF", "quantity": "400 mg", "role": "vehicle", "unit": "mg"}, {"ingredient": "Glycerol USP", "quantity": "80 mL", "role": "vehicle", "unit": "mL"}, {"ingredient": "Purified water USP", "quantity": "to 400 mL", "role": "vehicle", "unit": "mL"}], "id": "LDN-T50-FP-1", "method": ["Count 8 x 50 mg tablets and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20% and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%.", "Make up to 400 mL with Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%.", "Close and shake well. Label, and record the compounding."], "name": "Naltrexone HCl 1 mg/mL oral suspension from Naltrexone hydrochloride 50 mg tablets, in purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%", "purity": "tablets as labelled (strength per tablet)", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "salt": "doses as naltrexone hydrochloride; source is the hydrochloride", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "strength": "1 mg/mL", "vehicle": "Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%", "vehicle_id": "fawcett-preserved", "vehicle_preparation": {"make": "Make 400 mL of purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%", "make_ml": "400", "steps": ["Weigh 2 g of ascorbic acid and 400 mg of sodium benzoate.", "Dissolve both in about half of 400 mL of purified water in a beaker.", "Measure 80 mL of glycerol and add it; mix until clear.", "Transfer to a graduated cylinder and make up to 400 mL with purified water. Mix."]}, "version": 1, "warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"]}, "preparation": {"assay": null, "auxiliary_warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"], "bud": "2027-01-04", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "certificate_notes": [], "concentration": "1 mg/mL", "dose_salt": "hydrochloride", "drug_in_batch_mg": "400", "drug_mass_calculated_mg": "400", "drug_mass_mg": "400", "excess_ml": "42", "final_volume_ml": "400", "form": "tablet", "method": ["Count 8 x 50 mg tablets and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20% and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%.", "Make up to 400 mL with Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%.", "Close and shake well. Label, and record the compounding."], "requested_volume_ml": "358", "source": "tablet-50mg", "source_name": "Naltrexone hydrochloride 50 mg tablets", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "tablet_strength_mg": "50", "tablets": 8, "vehicle": "fawcett-preserved", "vehicle_name": "Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%", "water": null}, "prepared_by": "________", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "quantity_made_ml": "400", "requested_ml": "358", "rx": null, "single_pharmacist": false, "tablets": 8, "time_known": false, "title": "Naltrexone HCl 1 mg/mL oral suspension", "warnings": []}', 'batch-record:9715ce73227a4af8:20261201-004', '6ee26ddc1cd52c1f6d2f7235ee2c3df22fabb3119cd81060b668ab91620fa58d', '5598dc150ebdc4fbe0e62c81d0288eabbf008a4d60730a6d229502aaa7267810');
INSERT INTO public.entries VALUES (9, 'batch-record', NULL, '20261201-002', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "bud_basis_kind": "category", "certificate": null, "checked_by": "________", "components": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "lots": [], "quantity": "4 x 50 mg tablets", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "lots": [], "quantity": "to 200 mL", "role": "vehicle", "unit": "mL"}], "compounded_at": "2026-12-01", "compounded_date": "2026-12-01", "compounded_time": null, "drug_mass_mg": "200", "equipment": {"balance": "", "weighed": false}, "ingredients": [], "lot": "20261201-002", "master_formulation": {"bud_limits": ["USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)"], "bud_rule": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "calculation": "1 mg/mL x 167 mL = 167 mg; 4 tablet(s) of 50 mg = 200 mg, made up to 200 mL", "container": "amber glass or plastic bottle", "dosage_form": "oral suspension", "drug": "Naltrexone hydrochloride 50 mg tablets", "effective": "2026-11-01", "equipment": ["mortar and pestle", "graduated cylinder"], "formula": [{"ingredient": "Naltrexone hydrochloride 50 mg tablets", "quantity": "4 x 50 mg tablets", "role": "drug", "unit": "tablets"}, {"ingredient": "Purified water USP", "quantity": "to 200 mL", "role": "vehicle", "unit": "mL"}], "id": "LDN-T50-W-1", "method": ["Count 4 x 50 mg tablets and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 200 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "name": "Naltrexone HCl 1 mg/mL oral suspension from Naltrexone hydrochloride 50 mg tablets, in purified water", "purity": "tablets as labelled (strength per tablet)", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "salt": "doses as naltrexone hydrochloride; source is the hydrochloride", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "strength": "1 mg/mL", "vehicle": "Purified water", "vehicle_id": "water", "vehicle_preparation": {"make": "Make 200 mL of purified water", "make_ml": "200", "steps": []}, "version": 1, "warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"]}, "preparation": {"assay": null, "auxiliary_warnings": ["Shake well", "Refrigerate, do not freeze", "Protect from light"], "bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "certificate_notes": [], "concentration": "1 mg/mL", "dose_salt": "hydrochloride", "drug_in_batch_mg": "200", "drug_mass_calculated_mg": "200", "drug_mass_mg": "200", "excess_ml": "33", "final_volume_ml": "200", "form": "tablet", "method": ["Count 4 x 50 mg tablets and place in a clean mortar.", "Crush to a fine, even powder.", "Add a small amount of Purified water and mix to a smooth paste.", "Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.", "Make up to 200 mL with Purified water.", "Close and shake well. Label, and record the compounding."], "requested_volume_ml": "167", "source": "tablet-50mg", "source_name": "Naltrexone hydrochloride 50 mg tablets", "storage": "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze.", "tablet_strength_mg": "50", "tablets": 4, "vehicle": "water", "vehicle_name": "Purified water", "water": null}, "prepared_by": "________", "quality_checks": ["Appearance: uniform suspension or clear solution, no foreign matter", "Final volume checked in a calibrated container", "Label checked against this record (lot, BUD, strength)"], "quantity_made_ml": "200", "requested_ml": "167", "rx": null, "single_pharmacist": false, "tablets": 4, "time_known": false, "title": "Naltrexone HCl 1 mg/mL oral suspension", "warnings": []}', 'batch-record:9715ce73227a4af8:20261201-002', '5598dc150ebdc4fbe0e62c81d0288eabbf008a4d60730a6d229502aaa7267810', '72d913c31f4ea0f0ab2e5571e1ad9f8a2153d4959e3a9a9fa6a3acc923ca3478');
INSERT INTO public.entries VALUES (10, 'dispense', '1000101', '20261201-002', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "chart_pages": "1-4", "charts_file": "charts.pdf", "concentration": "1 mg/mL", "container_ml": "24", "containers": 1, "days": 14, "dose_mg": "1.5", "fill_date": "2026-12-01", "kind": "titrate", "label_pages": "1", "labels_file": "labels.pdf", "line": 2, "liver_kidney_history": "no", "lot": "20261201-002", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "24", "rx_number": "1000101", "screening": "proceed", "screening_hits": "", "snapshot": "60bf7bb307c196381eb24e1d6a7c549c7d39f1bb64aa277f30d2b090661ce403", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "water"}', 'dispense:9715ce73227a4af8:1000101', '72d913c31f4ea0f0ab2e5571e1ad9f8a2153d4959e3a9a9fa6a3acc923ca3478', '6fe4994334a10ce1da8d68bc5e5e9ab6eca2d6a33c37549bab6375a64677327e');
INSERT INTO public.entries VALUES (11, 'dispense', '1000102', '20261201-002', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "chart_pages": "", "charts_file": "", "concentration": "1 mg/mL", "container_ml": "70", "containers": 1, "days": 14, "dose_mg": "4.5", "fill_date": "2026-12-01", "kind": "dose", "label_pages": "2", "labels_file": "labels.pdf", "line": 3, "liver_kidney_history": "no", "lot": "20261201-002", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "70", "rx_number": "1000102", "screening": "proceed", "screening_hits": "", "snapshot": "6aec8ef72611bda430fec56670aafc92c206b36ab99879178111972c9b4ffc5a", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "water"}', 'dispense:9715ce73227a4af8:1000102', '6fe4994334a10ce1da8d68bc5e5e9ab6eca2d6a33c37549bab6375a64677327e', '721764bdd1a3e6e74041ec0019d560f2e155e0ed5ace7e8706f2cd08c2c7425e');
INSERT INTO public.entries VALUES (12, 'dispense', '1000103', '20261201-002', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "chart_pages": "", "charts_file": "", "concentration": "1 mg/mL", "container_ml": "42", "containers": 1, "days": 14, "dose_mg": "3", "fill_date": "2026-12-01", "kind": "dose", "label_pages": "3", "labels_file": "labels.pdf", "line": 4, "liver_kidney_history": "no", "lot": "20261201-002", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "42", "rx_number": "1000103", "screening": "proceed", "screening_hits": "", "snapshot": "af41a0743cd13cf9b87e7490d03445f6c1a6cd2e3f201c52bb638be8d1137537", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "water"}', 'dispense:9715ce73227a4af8:1000103', '721764bdd1a3e6e74041ec0019d560f2e155e0ed5ace7e8706f2cd08c2c7425e', '66c8b3c8f11888aae5c5ba1c70de5536ddb016b41adc9722f4202a8ad33b06f2');
INSERT INTO public.entries VALUES (13, 'dispense', '1000104', '20261201-003', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "chart_pages": "5-9", "charts_file": "charts.pdf", "concentration": "0.5 mg/mL", "container_ml": "16", "containers": 1, "days": 14, "dose_mg": "0.5", "fill_date": "2026-12-01", "kind": "titrate", "label_pages": "4", "labels_file": "labels.pdf", "line": 5, "liver_kidney_history": "no", "lot": "20261201-003", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "16", "rx_number": "1000104", "screening": "proceed", "screening_hits": "", "snapshot": "d04818962d760ccbd70a5f455a2e9f588e2705947984b22eee0af37c68cfbdc3", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "water"}', 'dispense:9715ce73227a4af8:1000104', '66c8b3c8f11888aae5c5ba1c70de5536ddb016b41adc9722f4202a8ad33b06f2', 'de03ef98d814f8e4fb5ecd07dc9fc226273bc78144d62258a9f85fa99368d734');
INSERT INTO public.entries VALUES (14, 'dispense', '1000105', '20261201-004', '2026-12-07T17:31:24', NULL, '{"bud": "2027-01-04", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "chart_pages": "", "charts_file": "", "concentration": "1 mg/mL", "container_ml": "120 + 34", "containers": 2, "days": 35, "dose_mg": "4", "fill_date": "2026-12-01", "kind": "dose", "label_pages": "5-6", "labels_file": "labels.pdf", "line": 6, "liver_kidney_history": "no", "lot": "20261201-004", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "154", "rx_number": "1000105", "screening": "proceed", "screening_hits": "", "snapshot": "748e7b3d7d55b4a98f2d7902afa2b8a7a9fef2a3b94fb624b5ca8565db786850", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "fawcett-preserved"}', 'dispense:9715ce73227a4af8:1000105', 'de03ef98d814f8e4fb5ecd07dc9fc226273bc78144d62258a9f85fa99368d734', '9ced63b20593f67638d33f041e2ef82e733b3d671aa170c9ea8901212b4ad0e6');
INSERT INTO public.entries VALUES (15, 'dispense', '1000106', '20261201-004', '2026-12-07T17:31:24', NULL, '{"bud": "2027-01-04", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "chart_pages": "10-13", "charts_file": "charts.pdf", "concentration": "1 mg/mL", "container_ml": "74", "containers": 1, "days": 35, "dose_mg": "1.5 then 2 then 2.5", "fill_date": "2026-12-01", "kind": "titrate", "label_pages": "7-8", "labels_file": "labels.pdf", "line": 7, "liver_kidney_history": "no", "lot": "20261201-004", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "74", "rx_number": "1000106", "screening": "proceed", "screening_hits": "", "snapshot": "376ebe0421a9dc056acc83aa87f9d591bf6c234e8d2e97e36d57e0f6c3142b57", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "fawcett-preserved"}', 'dispense:9715ce73227a4af8:1000106', '9ced63b20593f67638d33f041e2ef82e733b3d671aa170c9ea8901212b4ad0e6', '6875b3fdf3cf062ce913903001432336d0ec11a27db6c390244a2b0e9efd1890');
INSERT INTO public.entries VALUES (16, 'dispense', '1000107', '20261201-002', '2026-12-07T17:31:24', NULL, '{"bud": "2026-12-14", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)", "chart_pages": "", "charts_file": "", "concentration": "1 mg/mL", "container_ml": "31", "containers": 1, "days": 14, "dose_mg": "2", "fill_date": "2026-12-01", "kind": "dose", "label_pages": "9", "labels_file": "labels.pdf", "line": 8, "liver_kidney_history": "no", "lot": "20261201-002", "not_screened": "", "notes": "", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "31", "rx_number": "1000107", "screening": "proceed", "screening_hits": "", "snapshot": "b7362f5aab5c689987f76bd89ae9cf28c6514e669f7fe5cce0e529306c38937b", "source": "tablet-50mg", "stock": "avery-5163", "vehicle": "water"}', 'dispense:9715ce73227a4af8:1000107', '6875b3fdf3cf062ce913903001432336d0ec11a27db6c390244a2b0e9efd1890', 'b33ab0b47ab4ed649da88f664028db0748ca810159e834f1532842986591411b');
INSERT INTO public.entries VALUES (17, 'dispense', '1000108', '20261201-004', '2026-12-07T17:31:24', NULL, '{"bud": "2027-01-04", "bud_basis": "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)", "chart_pages": "", "charts_file": "", "concentration": "1 mg/mL", "container_ml": "120 + 10", "containers": 2, "days": 37, "dose_mg": "3.5", "fill_date": "2026-12-01", "kind": "dose", "label_pages": "10-11", "labels_file": "labels.pdf", "line": 9, "liver_kidney_history": "no", "lot": "20261201-004", "not_screened": "", "notes": "130 mL holds 37 days of doses but the BUD allows 35: the patient discards the rest on 2027-01-04", "off_protocol_reason": "", "override": "", "pdf_sha256": null, "pharmacist": "", "quantity_ml": "130", "rx_number": "1000108", "screening": "proceed", "screening_hits": "", "snapshot": "fa78f00f56492742a8f9fb95b5065bbc24de4a93d3beebeb75a8589c0fbdb7a7", "source": "tablet-50mg", "stock": "thermal-4x3", "vehicle": "fawcett-preserved"}', 'dispense:9715ce73227a4af8:1000108', 'b33ab0b47ab4ed649da88f664028db0748ca810159e834f1532842986591411b', 'ada2bc04de0112e91665aef5629541c74464b071c557b1d95ed7c9c062012dec');
INSERT INTO public.entries VALUES (18, 'batch-run', NULL, NULL, '2026-12-07T17:31:24', NULL, '{"files": {"charts.pdf": "a5d4d4aab2c7d9f2d1b4a9be9c6f865bc908b012a7c31c308a767ab9449fae53", "labels.pdf": "05889755b59d4703a48e41050f6b33a85483f95ad90a22abb03f3a987162ef44", "manifest.csv": "91e39798d89f8efdfc105f8f7bc3a75fc8c3fae309396600a5b7953626f9c6cd", "manifest.json": "6b09a3ee7dfc9e0d863eb4d4f381ee6202f730e84b8eb9070c65c2a59a1f3502", "records.pdf": "44c08cd90965910e91620bfd392209a11cc010863e44af8dc05a5fb188bc40d4", "worksheet.txt": "bd85f4402486deb8379506cc56fb85c1767f40bf10abb8446c8bdf6cbb7a2e84"}, "orders_file": "9715ce73227a4af8", "printed": 8, "temp": ".compounder-batch-48319da436994293a73dc7f7baf60aca"}', 'batch-run:48319da436994293a73dc7f7baf60aca', 'ada2bc04de0112e91665aef5629541c74464b071c557b1d95ed7c9c062012dec', '28edef9837d85ab9efe436fa9f388b4aba94008d2dc75d44733df4c1cd259770');
INSERT INTO public.entries VALUES (19, 'batch-print', NULL, NULL, '2026-12-07T17:31:24', NULL, '{"files_sha256": ["05889755b59d4703a48e41050f6b33a85483f95ad90a22abb03f3a987162ef44"], "printed": true}', NULL, '28edef9837d85ab9efe436fa9f388b4aba94008d2dc75d44733df4c1cd259770', '62328333b84cfbbdedb68264a009ea25027540b85b9c0909ad5d7fc2b5254291');
INSERT INTO public.entries VALUES (20, 'correction', '1234567', '20261201-001', '2026-12-07T17:31:24', 2, '{"reason": "checked by MK, not MJ"}', NULL, '62328333b84cfbbdedb68264a009ea25027540b85b9c0909ad5d7fc2b5254291', '19949bbb5507f5bb4e8b9603bd0c2fb12c43d3d90925f216f57d1cd2d73daabb');


--
-- Data for Name: ingredient_uses; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.ingredient_uses VALUES (1, 'naltrexone 50mg tab', 'AB1234', '2027-06-30', '1 x 50 mg tablet');
INSERT INTO public.ingredient_uses VALUES (1, 'purified water', 'W7', '2027-01-31', 'to 50 mL');


--
-- Data for Name: lot_sequence; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: meta; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: reservation_ends; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.reservation_ends VALUES ('48319da436994293a73dc7f7baf60aca', '2026-12-07T17:31:24');


--
-- Data for Name: reservations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.reservations VALUES ('20261201-002', '2026-12-01', '48319da436994293a73dc7f7baf60aca', 'batch:9715ce73227a4af8:2026-12-01|1|water|tablet-50mg', '2026-12-07T17:31:23');
INSERT INTO public.reservations VALUES ('20261201-003', '2026-12-01', '48319da436994293a73dc7f7baf60aca', 'batch:9715ce73227a4af8:2026-12-01|0.5|water|tablet-50mg', '2026-12-07T17:31:23');
INSERT INTO public.reservations VALUES ('20261201-004', '2026-12-01', '48319da436994293a73dc7f7baf60aca', 'batch:9715ce73227a4af8:2026-12-01|1|fawcett-preserved|tablet-50mg', '2026-12-07T17:31:23');


--
-- Data for Name: schema_versions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_versions VALUES (4, '2026-12-07T17:31:23');


--
-- Data for Name: snapshots; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.snapshots VALUES ('4834861062d7c503ff5c2f820833200e7def8adafce0b84981aa9cce414f2fb5', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Jane Doe"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 1.5 mL (1.5 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 25 mL \u2022 Rx: 1234567 \u2022 Lot: 20261201-001\nFilled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr A. Smith\nMeasure with the 3 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1234567"}], "layout": {"extra": {"barcode": {"bar_width": "0.01 in", "height": "0.25 in", "number_size": "7"}, "max_parts": 20, "profile": {"critical": ["key", "warnings"], "id": "usp17", "patient_area": "0", "patient_centred": ["patient", "drug", "directions"]}}, "leading": 1.25, "roles": {"details": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 6, "max_size": 9.0, "min_size": 7.0}, "directions": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 10, "max_size": 13.0, "min_size": 10.0}, "drug": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 12.0, "min_size": 10.0}, "key": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 8, "max_size": 9.5, "min_size": 8.0}, "patient": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 14.0, "min_size": 10.0}, "pharmacy": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 8.0, "min_size": 6.0}, "warnings": {"bold": true, "break_at": " \u2022 ", "leading": 0.0, "max_lines": 6, "max_size": 9.5, "min_size": 8.0}}, "shrink_order": [["pharmacy", "details"], ["key", "warnings"], ["drug", "patient", "directions"]]}, "stock": {"dx_mm": "0", "dy_mm": "0", "height_mm": "76.2", "id": "thermal-4x3", "kind": "roll", "margin_mm": "2.54", "name": "Thermal roll label 4 x 3 in", "nx": 1, "ny": 1, "paper": "", "round_mm": "3.1750", "width_mm": "101.6", "x0_mm": "0", "y0_mm": "0"}}');
INSERT INTO public.snapshots VALUES ('3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361', '{"layout": {"extra": {"barcode": {"bar_width": "0.01 in", "height": "0.25 in", "number_size": "7"}, "max_parts": 20, "profile": {"critical": ["key", "warnings"], "id": "usp17", "patient_area": "0", "patient_centred": ["patient", "drug", "directions"]}}, "leading": 1.25, "roles": {"details": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 6, "max_size": 9.0, "min_size": 7.0}, "directions": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 10, "max_size": 13.0, "min_size": 10.0}, "drug": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 12.0, "min_size": 10.0}, "key": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 8, "max_size": 9.5, "min_size": 8.0}, "patient": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 14.0, "min_size": 10.0}, "pharmacy": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 8.0, "min_size": 6.0}, "warnings": {"bold": true, "break_at": " \u2022 ", "leading": 0.0, "max_lines": 6, "max_size": 9.5, "min_size": 8.0}}, "shrink_order": [["pharmacy", "details"], ["key", "warnings"], ["drug", "patient", "directions"]]}, "stock": {"dx_mm": "0", "dy_mm": "0", "height_mm": "76.2", "id": "thermal-4x3", "kind": "roll", "margin_mm": "2.54", "name": "Thermal roll label 4 x 3 in", "nx": 1, "ny": 1, "paper": "", "round_mm": "3.1750", "width_mm": "101.6", "x0_mm": "0", "y0_mm": "0"}}');
INSERT INTO public.snapshots VALUES ('60bf7bb307c196381eb24e1d6a7c549c7d39f1bb64aa277f30d2b090661ce403', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Jane Doe"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 1.5 mL (1.5 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 24 mL \u2022 Rx: 1000101 \u2022 Lot: 20261201-002\nFilled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr A. Smith \u2022 Fill 1 of 7\nMeasure with the 3 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000101"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('6aec8ef72611bda430fec56670aafc92c206b36ab99879178111972c9b4ffc5a', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Zo\u00eb \u00d1\u00fa\u00f1ez-\u00d8verg\u00e5rd"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 4.5 mL (4.5 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 70 mL \u2022 Rx: 1000102 \u2022 Lot: 20261201-002\nFilled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr A. Smith \u2022 Refills: 2\nMeasure with the 10 mL oral syringe (0.5 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000102"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('af41a0743cd13cf9b87e7490d03445f6c1a6cd2e3f201c52bb638be8d1137537', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Robert Brown"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 3 mL (3 mg) by mouth in the morning"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 42 mL \u2022 Rx: 1000103 \u2022 Lot: 20261201-002\nFilled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr K. Patel \u2022 Refills: 1\nMeasure with the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000103"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('d04818962d760ccbd70a5f455a2e9f588e2705947984b22eee0af37c68cfbdc3', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Mar\u00eda Gonz\u00e1lez"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexona HCl 0.5 mg/mL suspensi\u00f3n oral \u2022 Preparaci\u00f3n magistral"}, {"field": "directions", "private": false, "role": "directions", "text": "Tome 1 mL (0.5 mg) por v\u00eda oral al acostarse"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Cant.: 16 mL \u2022 Rx: 1000104 \u2022 Lote: 20261201-003\nSurtido: 1 dic 2026 \u2022 Desechar despu\u00e9s del: 14 dic 2026\nGuardar en el refrigerador, de 2 \u00b0C a 8 \u00b0C. No congelar."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Ag\u00edtese bien \u2022 Mantener en el refrigerador, no congelar \u2022 Proteger de la luz \u2022 No tomar con analg\u00e9sicos opioides"}, {"field": "details", "private": false, "role": "details", "text": "M\u00e9dico: Dr K. Patel \u2022 Surtido 1 de 9\nMida con la jeringa oral de 3 mL (marcas de 0.1 mL) que se le entrega"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Etiqueta {n} de {total}", "rx": "1000104"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('748e7b3d7d55b4a98f2d7902afa2b8a7a9fef2a3b94fb624b5ca8565db786850', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Li Wei"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 4 mL (4 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 120 mL \u2022 Rx: 1000105 \u2022 Lot: 20261201-004\nFilled: Dec 1, 2026 \u2022 Discard after: Jan 4, 2027\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "NOTE STRENGTH: new concentration \u2022 Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr A. Smith \u2022 Container 1 of 2 \u2022 Refills: 3\nMeasure with the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000105"}, {"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Li Wei"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 4 mL (4 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 34 mL \u2022 Rx: 1000105 \u2022 Lot: 20261201-004\nFilled: Dec 1, 2026 \u2022 Discard after: Jan 4, 2027\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "NOTE STRENGTH: new concentration \u2022 Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr A. Smith \u2022 Container 2 of 2 \u2022 Refills: 3\nMeasure with the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000105"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('376ebe0421a9dc056acc83aa87f9d591bf6c234e8d2e97e36d57e0f6c3142b57', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Anna Ivanova"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take by mouth at bedtime:\nDec 1 to Dec 14, 2026: 1.5 mL (1.5 mg)\nDec 15 to Dec 28, 2026: 2 mL (2 mg)\nDec 29, 2026 to Jan 4, 2027: 2.5 mL (2.5 mg)"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 74 mL \u2022 Rx: 1000106 \u2022 Lot: 20261201-004\nFilled: Dec 1, 2026 \u2022 Discard after: Jan 4, 2027\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr B. Jones \u2022 Fill 1 of 3\nMeasure with the 3 mL oral syringe (0.1 mL marks) and the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000106"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');
INSERT INTO public.snapshots VALUES ('172900f45fd3a6784bf051d4cc318fd60de158dc62e19d34206d9c54d772fa94', '{"layout": {"extra": {"barcode": {"bar_width": "0.01 in", "height": "0.25 in", "number_size": "7"}, "max_parts": 20, "profile": {"critical": ["key", "warnings"], "id": "usp17", "patient_area": "0", "patient_centred": ["patient", "drug", "directions"]}}, "leading": 1.25, "roles": {"details": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 6, "max_size": 9.0, "min_size": 7.0}, "directions": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 10, "max_size": 13.0, "min_size": 10.0}, "drug": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 12.0, "min_size": 10.0}, "key": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 8, "max_size": 9.5, "min_size": 8.0}, "patient": {"bold": true, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 14.0, "min_size": 10.0}, "pharmacy": {"bold": false, "break_at": "", "leading": 0.0, "max_lines": 3, "max_size": 8.0, "min_size": 6.0}, "warnings": {"bold": true, "break_at": " \u2022 ", "leading": 0.0, "max_lines": 6, "max_size": 9.5, "min_size": 8.0}}, "shrink_order": [["pharmacy", "details"], ["key", "warnings"], ["drug", "patient", "directions"]]}, "stock": {"dx_mm": "106.36250", "dy_mm": "50.8", "height_mm": "50.8", "id": "avery-5163", "kind": "sheet", "margin_mm": "2.54", "name": "Avery 5163-style sheet, 2 x 4 in labels, 10 a sheet (US letter)", "nx": 2, "ny": 5, "paper": "letter", "round_mm": "1.58750", "width_mm": "101.6", "x0_mm": "3.968750", "y0_mm": "12.70"}}');
INSERT INTO public.snapshots VALUES ('b7362f5aab5c689987f76bd89ae9cf28c6514e669f7fe5cce0e529306c38937b', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Tom Baker"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 2 mL (2 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 31 mL \u2022 Rx: 1000107 \u2022 Lot: 20261201-002\nFilled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr B. Jones \u2022 Refills: 0\nMeasure with the 3 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000107"}], "frame": "172900f45fd3a6784bf051d4cc318fd60de158dc62e19d34206d9c54d772fa94"}');
INSERT INTO public.snapshots VALUES ('fa78f00f56492742a8f9fb95b5065bbc24de4a93d3beebeb75a8589c0fbdb7a7', '{"contents": [{"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Sara Cohen"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 3.5 mL (3.5 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 120 mL \u2022 Rx: 1000108 \u2022 Lot: 20261201-004\nFilled: Dec 1, 2026 \u2022 Discard after: Jan 4, 2027\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr B. Jones \u2022 Container 1 of 2 \u2022 Refills: 5\nMeasure with the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000108"}, {"blocks": [{"field": "patient name", "private": true, "role": "patient", "text": "Sara Cohen"}, {"field": "drug", "private": false, "role": "drug", "text": "Naltrexone HCl 1 mg/mL oral suspension \u2022 Compounded preparation"}, {"field": "directions", "private": false, "role": "directions", "text": "Take 3.5 mL (3.5 mg) by mouth at bedtime"}, {"field": "quantity and dates", "private": false, "role": "key", "text": "Qty: 10 mL \u2022 Rx: 1000108 \u2022 Lot: 20261201-004\nFilled: Dec 1, 2026 \u2022 Discard after: Jan 4, 2027\nStore in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."}, {"field": "warnings", "private": false, "role": "warnings", "text": "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light \u2022 Do not take with opioid pain medicines"}, {"field": "details", "private": false, "role": "details", "text": "Prescriber: Dr B. Jones \u2022 Container 2 of 2 \u2022 Refills: 5\nMeasure with the 5 mL oral syringe (0.1 mL marks) supplied"}], "footer": [{"field": "pharmacy", "private": false, "role": "pharmacy", "text": "Riverside Compounding Pharmacy\n120 Harbor Street, Springfield, IL 62701\n(555) 010-0199"}], "part": "Label {n} of {total}", "rx": "1000108"}], "frame": "3b83b983d04212ae92ff54192371d244aea264a54fb6ee92ca7e094ed57e0361"}');


--
-- Name: entries entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.entries
    ADD CONSTRAINT entries_pkey PRIMARY KEY (id);


--
-- Name: lot_sequence lot_sequence_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lot_sequence
    ADD CONSTRAINT lot_sequence_pkey PRIMARY KEY (day);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);


--
-- Name: schema_versions schema_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_versions
    ADD CONSTRAINT schema_versions_pkey PRIMARY KEY (version);


--
-- Name: snapshots snapshots_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.snapshots
    ADD CONSTRAINT snapshots_pkey PRIMARY KEY (hash);


--
-- Name: entries_batch_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX entries_batch_key ON public.entries USING btree (batch_key);


--
-- Name: entries_lot; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX entries_lot ON public.entries USING btree (lot);


--
-- Name: entries_preparation_lot; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX entries_preparation_lot ON public.entries USING btree (lot) WHERE (kind = 'preparation'::text);


--
-- Name: entries_rx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX entries_rx ON public.entries USING btree (rx);


--
-- Name: ingredient_uses_entry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ingredient_uses_entry ON public.ingredient_uses USING btree (entry_id);


--
-- Name: ingredient_uses_lot; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ingredient_uses_lot ON public.ingredient_uses USING btree (lot);


--
-- Name: reservation_ends_run; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reservation_ends_run ON public.reservation_ends USING btree (run_key);


--
-- Name: reservations_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reservations_key ON public.reservations USING btree (batch_key);


--
-- Name: reservations_lot; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reservations_lot ON public.reservations USING btree (lot);


--
-- Name: entries entries_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON public.entries FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: entries entries_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER entries_append_only_truncate BEFORE TRUNCATE ON public.entries FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: entries entries_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON public.entries FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: ingredient_uses ingredient_uses_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ingredient_uses_append_only_delete BEFORE DELETE ON public.ingredient_uses FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: ingredient_uses ingredient_uses_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ingredient_uses_append_only_truncate BEFORE TRUNCATE ON public.ingredient_uses FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: ingredient_uses ingredient_uses_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER ingredient_uses_append_only_update BEFORE UPDATE ON public.ingredient_uses FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: lot_sequence lot_sequence_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER lot_sequence_append_only_delete BEFORE DELETE ON public.lot_sequence FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: lot_sequence lot_sequence_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER lot_sequence_append_only_truncate BEFORE TRUNCATE ON public.lot_sequence FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: lot_sequence lot_sequence_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER lot_sequence_append_only_update BEFORE UPDATE ON public.lot_sequence FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: meta meta_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER meta_append_only_delete BEFORE DELETE ON public.meta FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: meta meta_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER meta_append_only_truncate BEFORE TRUNCATE ON public.meta FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: meta meta_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER meta_append_only_update BEFORE UPDATE ON public.meta FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservation_ends reservation_ends_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservation_ends_append_only_delete BEFORE DELETE ON public.reservation_ends FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservation_ends reservation_ends_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservation_ends_append_only_truncate BEFORE TRUNCATE ON public.reservation_ends FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservation_ends reservation_ends_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservation_ends_append_only_update BEFORE UPDATE ON public.reservation_ends FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservations reservations_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservations_append_only_delete BEFORE DELETE ON public.reservations FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservations reservations_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservations_append_only_truncate BEFORE TRUNCATE ON public.reservations FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: reservations reservations_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER reservations_append_only_update BEFORE UPDATE ON public.reservations FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: schema_versions schema_versions_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER schema_versions_append_only_delete BEFORE DELETE ON public.schema_versions FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: schema_versions schema_versions_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER schema_versions_append_only_truncate BEFORE TRUNCATE ON public.schema_versions FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: schema_versions schema_versions_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER schema_versions_append_only_update BEFORE UPDATE ON public.schema_versions FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: snapshots snapshots_append_only_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER snapshots_append_only_delete BEFORE DELETE ON public.snapshots FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: snapshots snapshots_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER snapshots_append_only_truncate BEFORE TRUNCATE ON public.snapshots FOR EACH STATEMENT EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: snapshots snapshots_append_only_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER snapshots_append_only_update BEFORE UPDATE ON public.snapshots FOR EACH ROW EXECUTE FUNCTION public.compounder_append_only();


--
-- Name: entries entries_corrects_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.entries
    ADD CONSTRAINT entries_corrects_fkey FOREIGN KEY (corrects) REFERENCES public.entries(id);


--
-- Name: ingredient_uses ingredient_uses_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ingredient_uses
    ADD CONSTRAINT ingredient_uses_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES public.entries(id);


--
-- PostgreSQL database dump complete
--

\unrestrict GLt6qw7zO6xJJmiYwrxdSo4QgbDbQRZa0KfM9CkiraCkXMiIBfPaUFa4nrJGfDr

