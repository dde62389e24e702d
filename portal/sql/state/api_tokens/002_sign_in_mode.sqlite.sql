-- The sign-in mode a token was made under (demo, proxy, oidc, cli): a token works only under a mode
-- that can vouch for its owner, so a change of sign-in mode retires the others (review #3, finding 2).
ALTER TABLE tokens ADD COLUMN mode TEXT;
