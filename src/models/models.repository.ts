import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { ProxyModelEntity } from './proxy-model.entity';

/** TypeORM's partial-entity type cannot express `unknown` JSON values; the jsonb columns take any JSON. */
const asWrite = (values: object): QueryDeepPartialEntity<ProxyModelEntity> => values as QueryDeepPartialEntity<ProxyModelEntity>;

export type NewProxyModel = Omit<ProxyModelEntity, 'createdAt' | 'updatedAt'>;

/** The only code that touches the ORM for stored models. */
@Injectable()
export class ModelsRepository {
  constructor(private readonly db: UnitOfWork) {}

  private get models() {
    return this.db.getRepository(ProxyModelEntity);
  }

  list(): Promise<ProxyModelEntity[]> {
    return this.models.find({ order: { createdAt: 'ASC', modelId: 'ASC' } });
  }

  find(modelId: string): Promise<ProxyModelEntity | null> {
    return this.models.findOneBy({ modelId });
  }

  /** Inserts the model; null when a row with its id already exists. */
  async insertUnlessExists(model: NewProxyModel): Promise<ProxyModelEntity | null> {
    const result = await this.models.createQueryBuilder().insert().values(asWrite(model)).orIgnore().execute();
    if (result.identifiers.length === 0 || (result.raw as unknown[]).length === 0) return null;
    return this.find(model.modelId);
  }

  async update(modelId: string, changes: Partial<Pick<ProxyModelEntity, 'modelName' | 'litellmParams' | 'modelInfo' | 'updatedBy'>>): Promise<ProxyModelEntity | null> {
    // updated_at is set explicitly: it is what other instances compare when they poll.
    await this.models.update({ modelId }, asWrite({ ...changes, updatedAt: new Date() }));
    return this.find(modelId);
  }

  async delete(modelId: string): Promise<boolean> {
    const result = await this.models.delete({ modelId });
    return (result.affected ?? 0) > 0;
  }
}
