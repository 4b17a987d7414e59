-- layerlens: load `inspect --format ndjson` files (one image per line) as the table image_rows,
-- one row per line. DuckDB dialect; see docs/fleet.md for BigQuery, Spark and Trino.
-- Replace 'reports/*.ndjson' with your files (a glob or a list: ['a.ndjson', 'b.ndjson']).
--
-- ordinal is the input order (files in name order, lines in file order), which `share` uses to
-- pick the first report of an image seen twice. DuckDB keeps insertion order on reads
-- (preserve_insertion_order, on by default), so row_number() OVER () follows the files.
CREATE OR REPLACE TABLE image_rows AS
SELECT
  row_number() OVER () AS ordinal,
  filename AS source,
  schemaVersion AS schema_version,
  archive.path AS archive_path,
  tags,
  configDigest AS config_digest,
  platform,
  layers
FROM read_ndjson(
  'reports/*.ndjson',
  filename = true,
  maximum_object_size = 268435456,
  columns = {
    schemaVersion: 'INTEGER',
    archive: 'STRUCT(path VARCHAR)',
    tags: 'VARCHAR[]',
    configDigest: 'VARCHAR',
    platform: 'VARCHAR',
    layers: 'STRUCT(diffId VARCHAR, digest VARCHAR, compression VARCHAR, uncompressedSize BIGINT, contentSize BIGINT, compressedSize BIGINT, compressedSizeEstimated BOOLEAN)[]'
  }
);
