import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import type { AuthContext } from '../../common/access/caller';
import { UnitOfWork } from '../../database/unit-of-work';
import { LlmObjectOwnerEntity, type LlmObjectKind } from './llm-object-owner.entity';

/** The owner a caller's objects are filed under: its key's id (kept across rotations), else the key's hash. */
export function ownerOf(caller: AuthContext | null): string {
  if (caller?.key?.id) return `key:${caller.key.id}`;
  if (caller?.apiKeyHash) return `hash:${caller.apiKeyHash}`;
  return 'open';
}

/** The only code that touches the ORM for file and batch ownership. */
@Injectable()
export class LlmObjectOwnersRepository {
  constructor(private readonly db: UnitOfWork) {}

  private get owners() {
    return this.db.getRepository(LlmObjectOwnerEntity);
  }

  async record(kind: LlmObjectKind, objectId: string, caller: AuthContext | null, model: string): Promise<void> {
    await this.owners
      .createQueryBuilder()
      .insert()
      .values({ kind, objectId, owner: ownerOf(caller), keyId: caller?.key?.id ?? null, teamId: caller?.key?.teamId ?? null, model, chargedAt: null })
      .orIgnore()
      .execute();
  }

  /** The object when `caller` owns it; null for an unknown object and for someone else's alike (both are a 404). */
  findOwned(kind: LlmObjectKind, objectId: string, caller: AuthContext | null): Promise<LlmObjectOwnerEntity | null> {
    return this.owners.findOneBy({ kind, objectId, owner: ownerOf(caller) });
  }

  /** Which of `objectIds` the caller owns. */
  async ownedAmong(kind: LlmObjectKind, objectIds: readonly string[], caller: AuthContext | null): Promise<Set<string>> {
    if (objectIds.length === 0) return new Set();
    const rows = await this.owners.find({ select: { objectId: true }, where: { kind, owner: ownerOf(caller), objectId: In([...objectIds]) } });
    return new Set(rows.map((row) => row.objectId));
  }

  async forget(kind: LlmObjectKind, objectId: string): Promise<void> {
    await this.owners.delete({ kind, objectId });
  }

  /**
   * Marks a batch charged; true for the one request that flips it (a single conditional UPDATE, so concurrent
   * retrieves of a completed batch cannot both win).
   */
  async claimCharge(objectId: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(
      `UPDATE "tollgate_llm_object_owners" SET "charged_at" = now() WHERE "kind" = 'batch' AND "object_id" = $1 AND "charged_at" IS NULL RETURNING "object_id"`,
      [objectId],
    );
    // TypeORM's postgres driver returns [rows, affected] for an UPDATE … RETURNING.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }

  /** Gives a claim back when the charge could not be made, so a later retrieve charges it. */
  async releaseCharge(objectId: string): Promise<void> {
    await this.db.query(`UPDATE "tollgate_llm_object_owners" SET "charged_at" = NULL WHERE "kind" = 'batch' AND "object_id" = $1`, [objectId]);
  }
}
