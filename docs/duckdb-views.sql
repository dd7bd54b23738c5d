-- groksweep results as DuckDB views: runs, metrics, spectra. Replace RESULTS with the results
-- directory (docs/PYTHON.md); each committed run once, whatever compactions have done.
--
-- A run is committed once its runs/ file exists; metrics and spectra of runs not (yet) committed
-- may exist and are left out. Columns were added over time: union_by_name reads old and new files
-- together (a column a file lacks is NULL). After `groksweep compact` a table's runs sit in
-- part-*.parquet files, of which only those the manifest _compacted.txt names are in use (another
-- is a killed compaction's, or one a finished compaction has yet to delete); a run's own file,
-- where one exists, holds its newest rows (a run retrained after compaction, or one whose file a
-- compaction has not yet removed), so it wins over the parts. groksweep_table(t) reads table t so.

CREATE OR REPLACE MACRO groksweep_table(t) AS TABLE
WITH parts AS (
  SELECT trim(substr(line, 6)) AS part
  FROM (SELECT unnest(string_split(content, chr(10))) AS line FROM read_text('RESULTS/_compacted.tx[t]'))
  WHERE line LIKE 'part %'),
f AS (SELECT *, parse_filename(filename) AS file
      FROM read_parquet('RESULTS/' || t || '/*.parquet', union_by_name = true, filename = true))
SELECT * EXCLUDE (filename, file) FROM f
WHERE file NOT LIKE 'part-%'
   OR t || '/' || file IN (SELECT part FROM parts)
      AND run_id NOT IN (SELECT run_id FROM f WHERE file NOT LIKE 'part-%');

CREATE OR REPLACE VIEW runs AS SELECT * FROM groksweep_table('runs');

CREATE OR REPLACE VIEW metrics AS
SELECT * FROM groksweep_table('metrics') WHERE run_id IN (SELECT run_id FROM runs);

CREATE OR REPLACE VIEW spectra AS
SELECT * FROM groksweep_table('spectra') WHERE run_id IN (SELECT run_id FROM runs);
