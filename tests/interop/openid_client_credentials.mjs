// A system using the openid-client package the way its documentation shows: server metadata
// from /.well-known/oauth-authorization-server, the client_credentials grant with HTTP Basic
// client authentication (which form-encodes the id and secret first: "province%2Edashboard"),
// then token introspection with the same credentials.
// Environment: CDTT_URL, CDTT_CLIENT_ID, CDTT_CLIENT_SECRET.
import { expect, load } from './load.mjs';

const client = await load('openid-client');
const base = process.env.CDTT_URL;
const id = process.env.CDTT_CLIENT_ID;

const answer = await fetch(`${base}/.well-known/oauth-authorization-server`);
expect(answer.status === 200, `metadata, got ${answer.status}`);
const metadata = await answer.json();
const config = new client.Configuration(metadata, id, undefined,
                                        client.ClientSecretBasic(process.env.CDTT_CLIENT_SECRET));
client.allowInsecureRequests(config); // plain http to the test server only

const tokens = await client.clientCredentialsGrant(config, { scope: 'registry:read' });
expect(tokens.token_type.toLowerCase() === 'bearer', `a Bearer token, got ${tokens.token_type}`);
expect(tokens.scope === 'registry:read', `scope registry:read, got ${tokens.scope}`);

const me = await fetch(`${base}/api/v1/me`, {
  headers: { authorization: `Bearer ${tokens.access_token}` },
});
expect(me.status === 200, `GET /api/v1/me 200, got ${me.status}`);
expect((await me.json()).client_id === id, 'the token to speak for the client');

const info = await client.tokenIntrospection(config, tokens.access_token);
expect(info.active === true && info.client_id === id && info.scope === 'registry:read',
       `an active token of ${id}, got ${JSON.stringify(info)}`);
const forged = await client.tokenIntrospection(config, `${tokens.access_token}x`);
expect(forged.active === false, `a tampered token inactive, got ${JSON.stringify(forged)}`);
console.log('interop: openid-client got, used and introspected a token');
