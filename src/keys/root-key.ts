/**
 * The root key: the one secret that unlocks a data directory. It seals every KMS key's material, which seals the
 * data keys, which seal the records; it is never stored in the database. The operator provides it as a file
 * (`--root-key-file`, `MAILROOM_ROOT_KEY_FILE`) or as base64 in `MAILROOM_ROOT_KEY`. On a first run without one,
 * Mailroom generates it into a 0600 file and warns loudly that it should be moved away from the data it protects.
 *
 * A check value sealed by the root key is stored with the keyring when it is created: a later start with another
 * root key fails at once with a clear error, instead of failing on every record it cannot open.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { KeyStore } from '../store/keys.js';
import { decrypt, encrypt, KEY_BYTES, secretKey } from './aead.js';
import { RootKeyError } from './errors.js';

export interface RootKeyOptions {
  /** A file holding the root key: its 32 bytes raw, or in base64 (which is how Mailroom writes one). */
  file?: string;
  /** The root key in base64 (`MAILROOM_ROOT_KEY`). Takes precedence over `file`. */
  base64?: string;
}

export interface RootKeyLog {
  warn(details: object, message: string): void;
}

const CHECK_PLAINTEXT = Buffer.from('mailroom keyring v1', 'utf8');
const CHECK_AAD = Buffer.from('mailroom root key check', 'utf8');
const HOW_TO_GIVE = 'give it with --root-key-file <file>, MAILROOM_ROOT_KEY_FILE or MAILROOM_ROOT_KEY (base64)';

function decodeKey(text: string, where: string): Buffer {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(text.trim())) {
    throw new RootKeyError(`${where} must hold a ${KEY_BYTES}-byte root key in base64 (44 characters)`);
  }
  return bytes;
}

function readKeyFile(path: string, log: RootKeyLog): Buffer {
  const content = readFileSync(path);
  // Group or world access to the root key gives away every record in the data directory.
  if ((statSync(path).mode & 0o077) !== 0) log.warn({ rootKeyFile: path }, `root key file ${path} is readable by other users; restrict it with: chmod 600 ${path}`);
  return content.length === KEY_BYTES ? content : decodeKey(content.toString('latin1'), `root key file ${path}`);
}

/** Writes a new root key to `path` (0600, never over an existing file); returns the key in the file if one won a race. */
function generateKeyFile(path: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return decodeKey(readFileSync(path, 'latin1'), `root key file ${path}`);
  }
}

/**
 * Returns the root key of the store's keyring: the one given, verified against the stored check value; or, for a
 * store without a keyring yet, the one given or a new one (written to `options.file`, else `defaultFile`), whose
 * check value is then stored.
 */
export async function unlockRootKey(store: KeyStore, options: RootKeyOptions, defaultFile: string, clock: Clock, log: RootKeyLog): Promise<KeyObject> {
  const check = await store.getRootKeyCheck();
  const file = options.file ?? defaultFile;
  let key: Buffer;
  if (options.base64 !== undefined) {
    key = decodeKey(options.base64, 'MAILROOM_ROOT_KEY');
  } else if (existsSync(file)) {
    key = readKeyFile(file, log);
    if (options.file === undefined) {
      log.warn({ rootKeyFile: file }, `the root key is in ${file}, next to the data it protects: move it somewhere safe (a secrets manager, another disk) and ${HOW_TO_GIVE}`);
    }
  } else if (check) {
    throw new RootKeyError(`this data directory is encrypted and no root key was found at ${file}; ${HOW_TO_GIVE}`);
  } else {
    key = generateKeyFile(file);
    // Where the operator named the file, it is where they want it; the default one sits beside the data.
    const advice = options.file === undefined ? `Back it up, move it away from the data directory, and ${HOW_TO_GIVE}.` : 'Back it up.';
    log.warn(
      { rootKeyFile: file },
      `GENERATED A NEW ROOT KEY in ${file}. Every message, event and secret in this data directory is sealed under it: without it they are lost, and with it anyone can read them. ${advice}`,
    );
  }
  const root = secretKey(key);
  const stored = check ?? (await establish(store, root, clock));
  if (!decrypt(root, stored, 0, CHECK_AAD)?.equals(CHECK_PLAINTEXT)) {
    throw new RootKeyError(`the root key does not match this data directory: its keyring was created with a different root key; ${HOW_TO_GIVE} (the one this data directory was created with)`);
  }
  return root;
}

/** Stores the check value for a new keyring, or returns the one another process stored first. */
async function establish(store: KeyStore, root: KeyObject, clock: Clock): Promise<Buffer> {
  const check = encrypt(root, CHECK_PLAINTEXT, CHECK_AAD);
  if (await store.putRootKeyCheck(check, clock.now())) return check;
  return (await store.getRootKeyCheck())!;
}
