// oncoregio schema: re-runnable DDL only (every statement IF NOT EXISTS).
// Applied by `oncoregio schema` and by `oncoregio up`; statements end with a semicolon.

// One unique id per label of the design.
CREATE CONSTRAINT hospital_id IF NOT EXISTS FOR (n:Hospital) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT region_id IF NOT EXISTS FOR (n:Region) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT network_id IF NOT EXISTS FOR (n:Network) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT care_type_id IF NOT EXISTS FOR (n:CareType) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT area_id IF NOT EXISTS FOR (n:Area) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT scenario_id IF NOT EXISTS FOR (n:Scenario) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT sweep_id IF NOT EXISTS FOR (n:Sweep) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT dataset_id IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE;

// Filters used by the API (GET /hospitals?kind=..., care types by level, scenarios by care type).
CREATE INDEX hospital_kind IF NOT EXISTS FOR (n:Hospital) ON (n.kind);
CREATE INDEX care_type_level IF NOT EXISTS FOR (n:CareType) ON (n.level);
CREATE INDEX scenario_care_type IF NOT EXISTS FOR (n:Scenario) ON (n.care_type);
CREATE INDEX scenario_created IF NOT EXISTS FOR (n:Scenario) ON (n.created_at);
// Trade-off sweeps (POST /sweeps), listed newest first and by care type.
CREATE INDEX sweep_care_type IF NOT EXISTS FOR (n:Sweep) ON (n.care_type);
CREATE INDEX sweep_created IF NOT EXISTS FOR (n:Sweep) ON (n.created_at);
CREATE INDEX network_scope IF NOT EXISTS FOR (n:Network) ON (n.scope);
// Travel times imported from a matrix are stored on (Area)-[:TRAVEL]->(Hospital).
CREATE INDEX travel_source IF NOT EXISTS FOR ()-[t:TRAVEL]-() ON (t.source);
// Imported demand (Area)-[:DEMAND]->(CareType) and observed flows (Area)-[:TREATED_AT]->(Hospital).
CREATE INDEX treated_at_care_type IF NOT EXISTS FOR ()-[t:TREATED_AT]-() ON (t.care_type);
// Patient-choice parameter sets, estimated on flows or given with their source.
CREATE CONSTRAINT choice_model_id IF NOT EXISTS FOR (n:ChoiceModel) REQUIRE n.id IS UNIQUE;
CREATE INDEX choice_model_care_type IF NOT EXISTS FOR (n:ChoiceModel) ON (n.care_type);
// Volume -> outcome bands (outcomes.csv): id "<care_type>/<outcome>/<min_volume>".
CREATE CONSTRAINT outcome_band_id IF NOT EXISTS FOR (n:OutcomeBand) REQUIRE n.id IS UNIQUE;
CREATE INDEX outcome_band_care_type IF NOT EXISTS FOR (n:OutcomeBand) ON (n.care_type);
// API bearer tokens: one per name, looked up by the SHA-256 of the presented token.
CREATE CONSTRAINT api_token_name IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (n:ApiToken) REQUIRE n.hash IS UNIQUE;
// One load at a time (app/repository/load_lock.py): at most one lock node.
CREATE CONSTRAINT load_lock_id IF NOT EXISTS FOR (n:LoadLock) REQUIRE n.id IS UNIQUE;
// A staged load (app/loader.py) writes the new dataset under these shadow labels before its
// batched switch relabels it: unique ids there too (and the index its MATCH by id needs).
CREATE CONSTRAINT staged_region_id IF NOT EXISTS FOR (n:StagedRegion) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT staged_hospital_id IF NOT EXISTS FOR (n:StagedHospital) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT staged_network_id IF NOT EXISTS FOR (n:StagedNetwork) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT staged_care_type_id IF NOT EXISTS FOR (n:StagedCareType) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT staged_area_id IF NOT EXISTS FOR (n:StagedArea) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT staged_outcome_band_id IF NOT EXISTS
  FOR (n:StagedOutcomeBand) REQUIRE n.id IS UNIQUE;
