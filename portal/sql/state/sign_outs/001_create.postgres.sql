-- When each person (OIDC issuer|subject) last signed out: older identity tokens are refused.
CREATE TABLE IF NOT EXISTS sign_outs (subject TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL);
