"""Qualified electronic signatures (ЭЦП): detached CMS over a canonical statement, made with a
PKCS#12 key and verified against a trust store with revocation, bound to the signer's IIN/BIN."""
