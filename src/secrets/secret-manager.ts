import type { KeyManagementSystem } from '../config/config.types';

/** The managers that hold values themselves (`local` is the environment and needs no client). */
export type ManagedSystem = Exclude<KeyManagementSystem, 'local'>;

/** One vendor's client: reads and writes secrets by env name. Implementations never log a value. */
export interface SecretManager {
  readonly system: ManagedSystem;
  /**
   * @returns the value, or undefined when the manager holds no such secret.
   * @throws SecretManagerError (or the vendor's error) when the manager cannot answer.
   */
  read(name: string): Promise<string | undefined>;
  /**
   * Creates or replaces a secret (a new version where the vendor keeps versions).
   * @throws SecretManagerError when the manager refuses or cannot be reached, or cannot store values at all (KMS).
   */
  write(name: string, value: string): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
