-- A program's PKH families in id order: closing a period and building a payment list walk a
-- program's families in id ranges (`program_id = $1 AND id > $2 AND id <= $3`).
CREATE INDEX pkh_families_program_idx ON pkh_families (program_id, id);
