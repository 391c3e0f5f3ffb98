// A resource server using the jose package: each token must verify against the keys published
// at /.well-known/jwks.json (chosen by the token's kid), with the issuer and audience checked.
// Environment: CDTT_URL, CDTT_ISSUER, CDTT_AUDIENCE, CDTT_TOKENS (space-separated).
import { expect, load } from './load.mjs';

const jose = await load('jose');
const base = process.env.CDTT_URL;
const jwks = jose.createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
const tokens = process.env.CDTT_TOKENS.split(' ').filter(Boolean);
expect(tokens.length > 0, 'tokens to verify');
for (const token of tokens) {
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: process.env.CDTT_ISSUER,
    audience: process.env.CDTT_AUDIENCE,
  });
  expect(typeof protectedHeader.kid === 'string', 'a kid in the header');
  expect(typeof payload.sub === 'string', 'a sub claim');
}
let refused = false;
try {
  await jose.jwtVerify(`${tokens[0].slice(0, -2)}AA`, jwks);
} catch {
  refused = true;
}
expect(refused, 'a tampered signature to be refused');
console.log(`interop: jose verified ${tokens.length} token(s) against the published JWKS`);
