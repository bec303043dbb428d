-- The paper receipts are printed on: an 80 mm or 58 mm thermal roll, or A4.
-- Decoded in `BusinessSettings::from_row`; owners and admins change it in settings.
ALTER TABLE tenants
    ADD COLUMN receipt_paper text NOT NULL DEFAULT '80mm'
        CONSTRAINT tenants_receipt_paper_known CHECK (receipt_paper IN ('80mm', '58mm', 'a4'));

GRANT UPDATE (receipt_paper) ON tenants TO shopfloor_tenant;
