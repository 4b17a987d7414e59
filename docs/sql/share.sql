-- layerlens: the figures of `share --json` (keyed by diff id, the default) from the table
-- image_rows that load-ndjson.sql or load-reports.sql made. DuckDB dialect; docs/fleet.md lists
-- what to change for BigQuery, Spark and Trino. Makes two views:
--   share_images  one row per image: the `images[]` figures of share --json
--   share_totals  one row: the `totals` of share --json
-- Every rule below is the one in src/sharing/analyze-sharing.ts, named where it is subtle.

-- An image is its config digest and platform, whatever tags or inputs it came in; the first
-- input that has it (lowest ordinal) supplies its layers. A malformed digest counts as none.
CREATE OR REPLACE VIEW share_image_rows AS
WITH ids AS (
  SELECT
    *,
    coalesce(
      CASE WHEN regexp_full_match(config_digest, 'sha256:[0-9a-f]{64}') THEN config_digest END,
      'untagged:' || coalesce(tags[1], '?')
    ) || '|' || coalesce(platform, 'unknown') AS image_id
  FROM image_rows
  WHERE schema_version = 1
)
SELECT * EXCLUDE (seen)
FROM (SELECT *, row_number() OVER (PARTITION BY image_id ORDER BY ordinal) AS seen FROM ids)
WHERE seen = 1;

-- One row per layer of each image, in order (pos from 0). The sharing key is the diff id, else
-- the blob digest, else a key of its own; the wire key is the blob digest of a compressed blob,
-- else the diff id (an uncompressed layer is sent as its tar).
CREATE OR REPLACE VIEW share_layer_rows AS
WITH positions AS (
  SELECT image_id, ordinal, layers, unnest(range(len(layers))) AS pos FROM share_image_rows
),
flat AS (
  SELECT
    image_id,
    ordinal,
    pos,
    CASE WHEN regexp_full_match(layers[pos + 1].diffId, 'sha256:[0-9a-f]{64}') THEN layers[pos + 1].diffId END AS diff_id,
    CASE WHEN regexp_full_match(layers[pos + 1].digest, 'sha256:[0-9a-f]{64}') THEN layers[pos + 1].digest END AS digest,
    layers[pos + 1].compression AS compression,
    layers[pos + 1].contentSize AS content_size,
    layers[pos + 1].uncompressedSize AS uncompressed_size,
    layers[pos + 1].compressedSize AS compressed_size,
    coalesce(layers[pos + 1].compressedSizeEstimated, false) AS estimated
  FROM positions
)
SELECT
  *,
  coalesce(diff_id, digest, 'unknown:' || image_id || ':' || pos) AS layer_key,
  CASE
    WHEN compression IS DISTINCT FROM 'none' AND digest IS NOT NULL THEN digest
    ELSE 'tar:' || coalesce(diff_id, digest, '?')
  END AS wire_key
FROM flat;

-- The layer index: how many images have each layer, and its size as first seen.
CREATE OR REPLACE VIEW share_layer_index AS
SELECT
  layer_key,
  count(DISTINCT image_id) AS image_count,
  arg_min(coalesce(content_size, 0), ordinal * 1000000 + pos) AS size,
  arg_min(coalesce(uncompressed_size, 0), ordinal * 1000000 + pos) AS uncompressed_size
FROM share_layer_rows
GROUP BY layer_key;

-- A layer listed twice in one image counts once (its first occurrence).
CREATE OR REPLACE VIEW share_image_distinct AS
SELECT
  image_id,
  layer_key,
  arg_min(coalesce(content_size, 0), pos) AS size,
  arg_min(coalesce(uncompressed_size, 0), pos) AS uncompressed_size,
  -- -1 stands for "unknown" so that arg_min keeps it (it skips NULL values).
  arg_min(coalesce(compressed_size, -1), pos) AS compressed_size,
  arg_min(estimated, pos) AS estimated
FROM share_layer_rows
GROUP BY image_id, layer_key;

CREATE OR REPLACE VIEW share_images AS
SELECT
  i.image_id AS id,
  i.ordinal,
  coalesce(sum(d.size), 0)::BIGINT AS size,
  coalesce(sum(CASE WHEN x.image_count > 1 THEN d.size ELSE 0 END), 0)::BIGINT AS shared_size,
  coalesce(sum(CASE WHEN x.image_count > 1 THEN 0 ELSE d.size END), 0)::BIGINT AS unique_size,
  coalesce(sum(d.uncompressed_size), 0)::BIGINT AS uncompressed_size,
  coalesce(sum(CASE WHEN x.image_count > 1 THEN d.uncompressed_size ELSE 0 END), 0)::BIGINT AS shared_uncompressed_size,
  len(i.layers) AS layer_count,
  count(d.layer_key) AS distinct_layer_count,
  count(CASE WHEN x.image_count > 1 THEN 1 END) AS shared_layer_count,
  CASE
    WHEN count(d.layer_key) = 0 OR bool_or(d.compressed_size < 0) THEN NULL
    ELSE sum(d.compressed_size)::BIGINT
  END AS compressed_size,
  coalesce(bool_or(d.estimated), false) AS compressed_size_estimated
FROM share_image_rows i
LEFT JOIN share_image_distinct d ON d.image_id = i.image_id
LEFT JOIN share_layer_index x ON x.layer_key = d.layer_key
GROUP BY i.image_id, i.ordinal, i.layers;

-- The wire deduplicates by blob: the first size seen for each wire key, over every layer.
CREATE OR REPLACE VIEW share_wire AS
SELECT
  wire_key,
  arg_min(coalesce(compressed_size, -1), ordinal * 1000000 + pos) AS compressed_size,
  bool_or(estimated) AS estimated
FROM share_layer_rows
GROUP BY wire_key;

CREATE OR REPLACE VIEW share_totals AS
WITH
  im AS (
    SELECT
      count(*) AS images,
      coalesce(sum(size), 0)::BIGINT AS size,
      coalesce(sum(uncompressed_size), 0)::BIGINT AS uncompressed_size,
      CASE WHEN bool_or(compressed_size IS NULL) THEN NULL ELSE coalesce(sum(compressed_size), 0)::BIGINT END
        AS compressed_size
    FROM share_images
  ),
  ly AS (
    SELECT
      count(*) AS layers,
      count(CASE WHEN image_count > 1 THEN 1 END) AS shared_layers,
      coalesce(sum(size), 0)::BIGINT AS deduped_size,
      coalesce(sum(uncompressed_size), 0)::BIGINT AS deduped_uncompressed_size
    FROM share_layer_index
  ),
  wi AS (
    SELECT
      CASE WHEN bool_or(compressed_size < 0) THEN NULL ELSE coalesce(sum(compressed_size), 0)::BIGINT END
        AS deduped_compressed_size,
      coalesce(bool_or(estimated), false) AS estimated
    FROM share_wire
  )
SELECT
  im.images,
  ly.layers,
  ly.shared_layers,
  im.size,
  ly.deduped_size,
  im.size - ly.deduped_size AS saved_size,
  CASE WHEN im.size = 0 THEN 0 ELSE (im.size - ly.deduped_size) / im.size::DOUBLE END AS saved_ratio,
  im.uncompressed_size,
  ly.deduped_uncompressed_size,
  im.compressed_size,
  CASE WHEN im.compressed_size IS NULL THEN NULL ELSE wi.deduped_compressed_size END AS deduped_compressed_size,
  im.compressed_size - wi.deduped_compressed_size AS saved_compressed_size,
  wi.estimated AS compressed_size_estimated
FROM im, ly, wi;
