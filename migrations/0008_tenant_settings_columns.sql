-- A business's settings as typed columns instead of a loose JSON object, so the
-- database checks them and the application decodes them in one place
-- (`BusinessSettings::from_row`). The values set so far are carried over.
ALTER TABLE tenants
    ADD COLUMN currency text NOT NULL DEFAULT 'USD'
        CONSTRAINT tenants_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    ADD COLUMN tax_mode text NOT NULL DEFAULT 'inclusive'
        CONSTRAINT tenants_tax_mode_known CHECK (tax_mode IN ('inclusive', 'exclusive')),
    ADD COLUMN default_tax_rate_id uuid,
    ADD COLUMN timezone text NOT NULL DEFAULT 'UTC'
        CONSTRAINT tenants_timezone_length CHECK (length(timezone) BETWEEN 1 AND 64),
    ADD COLUMN receipt_header text NOT NULL DEFAULT ''
        CONSTRAINT tenants_receipt_header_length CHECK (length(receipt_header) <= 500),
    ADD COLUMN receipt_footer text NOT NULL DEFAULT ''
        CONSTRAINT tenants_receipt_footer_length CHECK (length(receipt_footer) <= 500),
    ADD COLUMN cashier_discount_limit_bp integer NOT NULL DEFAULT 1000
        CONSTRAINT tenants_discount_limit_range CHECK (cashier_discount_limit_bp BETWEEN 0 AND 10000);

UPDATE tenants SET
    currency = coalesce(settings->>'currency', 'USD'),
    tax_mode = CASE WHEN settings->>'tax_mode' = 'exclusive' THEN 'exclusive' ELSE 'inclusive' END,
    default_tax_rate_id = CASE
        WHEN settings->>'default_tax_rate_id' ~ '^[0-9a-f-]{36}$' THEN (settings->>'default_tax_rate_id')::uuid
    END,
    timezone = coalesce(NULLIF(settings->>'timezone', ''), 'UTC'),
    receipt_header = left(coalesce(settings->>'receipt_header', ''), 500),
    receipt_footer = left(coalesce(settings->>'receipt_footer', ''), 500),
    cashier_discount_limit_bp = CASE
        WHEN jsonb_typeof(settings->'cashier_discount_limit_bp') = 'number'
        THEN least(10000, greatest(0, (settings->>'cashier_discount_limit_bp')::numeric::integer))
        ELSE 1000
    END;

REVOKE UPDATE (settings) ON tenants FROM shopfloor_tenant;
ALTER TABLE tenants DROP COLUMN settings;
GRANT UPDATE (currency, tax_mode, default_tax_rate_id, timezone, receipt_header, receipt_footer,
              cashier_discount_limit_bp)
    ON tenants TO shopfloor_tenant;
