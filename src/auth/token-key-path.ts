// Where the token signing key lives: in storage.path, next to the database. Its own
// file so that config/resolve.ts can check the key's mode without loading jose.
import { join } from "node:path";

export const TOKEN_KEY_FILE = "token-key.jwk";
export const tokenKeyPath = (storagePath: string) => join(storagePath, TOKEN_KEY_FILE);
