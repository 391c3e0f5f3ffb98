/* Client secrets, shared by the API and the create-client subcommand. */
#ifndef CDTT_RESOURCES_CLIENTS_H
#define CDTT_RESOURCES_CLIENTS_H

#define CLIENT_SECRET_LEN 43 /* 32 random bytes, base64url without padding */

/* A new random secret and the SHA-256 (hex) that is stored instead of it. */
void client_secret_generate(char secret[CLIENT_SECRET_LEN + 1], char hash_hex[65]);

#endif
