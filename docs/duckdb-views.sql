-- groksweep results as DuckDB views: runs, metrics, spectra. Replace RESULTS with the results
-- directory (docs/PYTHON.md); each committed run once, whatever compactions have done.
--
-- A run is committed once its runs/ file exists; metrics and spectra of runs not (yet) committed
-- may exist and are left out. Columns were added over time: union_by_name reads old and new files
-- together (a column a file lacks is NULL). After `groksweep compact` a table's runs sit in
-- part-*.parquet files; a run's own file, where one exists, holds its newest rows (a run retrained
-- after compaction, or one whose file a compaction has not yet removed), so it wins over the parts.

CREATE OR REPLACE VIEW runs AS
WITH f AS (SELECT * FROM read_parquet('RESULTS/runs/*.parquet', union_by_name = true, filename = true))
SELECT * EXCLUDE (filename) FROM f
WHERE parse_filename(filename) NOT LIKE 'part-%'
   OR run_id NOT IN (SELECT run_id FROM f WHERE parse_filename(filename) NOT LIKE 'part-%');

CREATE OR REPLACE VIEW metrics AS
WITH f AS (SELECT * FROM read_parquet('RESULTS/metrics/*.parquet', union_by_name = true, filename = true))
SELECT * EXCLUDE (filename) FROM f
WHERE (parse_filename(filename) NOT LIKE 'part-%'
       OR run_id NOT IN (SELECT run_id FROM f WHERE parse_filename(filename) NOT LIKE 'part-%'))
  AND run_id IN (SELECT run_id FROM runs);

CREATE OR REPLACE VIEW spectra AS
WITH f AS (SELECT * FROM read_parquet('RESULTS/spectra/*.parquet', union_by_name = true, filename = true))
SELECT * EXCLUDE (filename) FROM f
WHERE (parse_filename(filename) NOT LIKE 'part-%'
       OR run_id NOT IN (SELECT run_id FROM f WHERE parse_filename(filename) NOT LIKE 'part-%'))
  AND run_id IN (SELECT run_id FROM runs);
