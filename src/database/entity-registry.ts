/**
 * Entities are declared by the module that owns them (`DatabaseModule.forFeature`) and collected here
 * before the DataSource is built, so the database module never imports domain modules.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
const registered = new Set<Function>();

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function registerEntities(entities: readonly Function[]): void {
  for (const entity of entities) registered.add(entity);
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function registeredEntities(): Function[] {
  return [...registered];
}
