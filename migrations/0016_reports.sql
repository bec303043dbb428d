-- Reports (issue 12): the cost at the time of sale, and indexes for reading
-- a period of sales.
--
-- * `bill_lines.unit_cost`: the product's cost price when the line was sold,
--   written by finalizing in the statement that inserts the lines. Gross
--   margin is `net - unit_cost * quantity`, so a later change of a product's
--   cost never changes a past margin.
-- * `credit_note_lines.unit_cost`: the cost of the line it returns (copied
--   from the bill line when the note is issued), so a margin is taken back
--   at the cost it was made at.
-- * Lines written before this migration had no cost of their own: they are
--   backfilled with the product's cost price as it is now (the best figure
--   there is; docs/api.md says so).
--
-- Both tables stay immutable: the backfill lifts the immutability triggers and
-- the tenant policy (FORCE) for its own statements only, inside the
-- migration's transaction.

ALTER TABLE bill_lines
    ADD COLUMN unit_cost bigint NOT NULL DEFAULT 0 CHECK (unit_cost BETWEEN 0 AND 100000000000);
ALTER TABLE credit_note_lines
    ADD COLUMN unit_cost bigint NOT NULL DEFAULT 0 CHECK (unit_cost BETWEEN 0 AND 100000000000);

ALTER TABLE bill_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE credit_note_lines NO FORCE ROW LEVEL SECURITY;
ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
ALTER TABLE bill_lines DISABLE TRIGGER bill_lines_immutable;
ALTER TABLE credit_note_lines DISABLE TRIGGER credit_note_lines_immutable;

UPDATE bill_lines l
   SET unit_cost = p.cost_price
  FROM products p
 WHERE p.tenant_id = l.tenant_id AND p.id = l.product_id AND p.cost_price <> 0;
UPDATE credit_note_lines c
   SET unit_cost = l.unit_cost
  FROM bill_lines l
 WHERE l.tenant_id = c.tenant_id AND l.bill_id = c.bill_id AND l.line_no = c.line_no AND l.unit_cost <> 0;

ALTER TABLE credit_note_lines ENABLE TRIGGER credit_note_lines_immutable;
ALTER TABLE bill_lines ENABLE TRIGGER bill_lines_immutable;
ALTER TABLE products FORCE ROW LEVEL SECURITY;
ALTER TABLE credit_note_lines FORCE ROW LEVEL SECURITY;
ALTER TABLE bill_lines FORCE ROW LEVEL SECURITY;

-- A period's bills read from the index alone (the figures a daily report
-- sums are included), and a period's credit notes by their date.
CREATE INDEX bills_tenant_finalized_report ON bills (tenant_id, finalized_at)
    INCLUDE (total, tax, net, cashier_id, customer_id) WHERE status = 'finalized';
CREATE INDEX credit_notes_tenant_created ON credit_notes (tenant_id, created_at)
    INCLUDE (total, tax, refund_method, bill_id);
