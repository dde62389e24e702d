-- Deterministic pseudo-randomness for the demo build. Every draw hashes an id, a salt and the seed, so
-- the same seed gives the same warehouse on every machine and thread count (random() would not).
CREATE OR REPLACE TEMP MACRO u(id, salt) AS (hash(id, salt, getvariable('seed')) % 1000003) / 1000003.0;
CREATE OR REPLACE TEMP MACRO expo(id, salt, m) AS -ln(1.0 - u(id, salt) * 0.999) * m;
CREATE OR REPLACE TEMP MACRO pick(id, salt, n) AS CAST(hash(id, salt, getvariable('seed')) % n AS INTEGER);
CREATE OR REPLACE TEMP MACRO chance(id, salt, p) AS u(id, salt) < p;
