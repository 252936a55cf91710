/** What every KMS service needs, built once by createMailroom and shared. */
import type { Keyring } from '../keys/keyring.js';
import type { Store } from '../store/store.js';

export interface KmsDeps {
  keyring: Keyring;
  /** Key tags live with every other resource's tags, by ARN. */
  tags: Pick<Store, 'tagResource' | 'untagResource' | 'listTags'>;
}
