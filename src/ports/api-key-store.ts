/** API keys as stored: the authn stage reads them through this port; adapters implement it. */
export interface ApiKeyRecord {
  id: string;
  /** Hex SHA-256 of the secret part. */
  hash: string;
  tenant: string;
  roles: string[];
  name: string | null;
  createdAt: string;
  revokedAt: string | null;
}

export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  /** Every key ever created, revoked ones included (the caller filters). */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such active key. */
  revoke(id: string, at?: Date): Promise<boolean>;
  close(): Promise<void>;
}
