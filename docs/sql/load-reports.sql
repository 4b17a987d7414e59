-- layerlens: load `inspect --json` reports (one document per file, any number of archives and
-- images in each) as the table image_rows, one row per image. DuckDB dialect.
-- Replace 'reports/*.json' with your files (a glob or a list).
--
-- ordinal is the input order: files in name order, then archives and images in document order,
-- the order `share reports/` reads them in.
CREATE OR REPLACE TABLE image_rows AS
WITH documents AS (
  SELECT filename, schemaVersion, archives
  FROM read_json(
    'reports/*.json',
    format = 'auto',
    filename = true,
    maximum_object_size = 268435456,
    columns = {
      schemaVersion: 'INTEGER',
      archives: 'STRUCT(path VARCHAR, images STRUCT(tags VARCHAR[], configDigest VARCHAR, platform VARCHAR, layers STRUCT(diffId VARCHAR, digest VARCHAR, compression VARCHAR, uncompressedSize BIGINT, contentSize BIGINT, compressedSize BIGINT, compressedSizeEstimated BOOLEAN)[])[])[]'
    }
  )
),
archive_rows AS (
  SELECT filename, schemaVersion, a_pos, archives[a_pos] AS archive
  FROM (SELECT *, unnest(range(1, len(archives) + 1)) AS a_pos FROM documents)
),
image_list AS (
  SELECT filename, schemaVersion, a_pos, i_pos, archive.path AS archive_path, archive.images[i_pos] AS image
  FROM (SELECT *, unnest(range(1, coalesce(len(archive.images), 0) + 1)) AS i_pos FROM archive_rows)
)
SELECT
  row_number() OVER (ORDER BY filename, a_pos, i_pos) AS ordinal,
  filename AS source,
  schemaVersion AS schema_version,
  archive_path,
  image.tags AS tags,
  image.configDigest AS config_digest,
  image.platform AS platform,
  image.layers AS layers
FROM image_list;
