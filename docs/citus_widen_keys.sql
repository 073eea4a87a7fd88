-- Generates the statements that widen the keys of every tenant table (a table with merchant_id,
-- other than the merchant table itself) to (merchant_id, id); run the output with psql -f.
WITH tenant AS (
    SELECT c.oid, c.relname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'merchant_id' AND NOT a.attisdropped
    WHERE c.relkind = 'r'
), fk AS (
    SELECT k.conname, src.relname AS src, dst.relname AS dst, att.attname AS col
    FROM pg_constraint k
    JOIN tenant src ON src.oid = k.conrelid
    JOIN tenant dst ON dst.oid = k.confrelid
    JOIN pg_attribute att ON att.attrelid = k.conrelid AND att.attnum = k.conkey[1]
    WHERE k.contype = 'f' AND array_length(k.conkey, 1) = 1
), pk AS (
    SELECT k.conname, t.relname FROM pg_constraint k JOIN tenant t ON t.oid = k.conrelid WHERE k.contype = 'p'
)
SELECT stmt FROM (
    -- 1. (merchant_id, id) unique on every tenant table, the future primary key
    SELECT 1 AS step, relname, format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (merchant_id, id);',
                                      left(relname, 50) || '_mid_id', relname) AS stmt FROM pk
    UNION ALL
    -- 2. every foreign key between tenant tables carries merchant_id
    SELECT 2, src, format('ALTER TABLE %I DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY (merchant_id, %I) '
                          'REFERENCES %I (merchant_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID;',
                          src, conname, conname, col, dst) FROM fk
    UNION ALL
    SELECT 3, src, format('ALTER TABLE %I VALIDATE CONSTRAINT %I;', src, conname) FROM fk
    UNION ALL
    -- 4. the primary key becomes (merchant_id, id)
    SELECT 4, relname, format('ALTER TABLE %I DROP CONSTRAINT %I, ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I;',
                              relname, conname, conname, left(relname, 50) || '_mid_id') FROM pk
) s ORDER BY step, relname, stmt;
