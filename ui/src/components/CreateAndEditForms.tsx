import { EntityForm, type Field } from './EntityForm';
import { useAction } from './common';

export interface CreateAndEditFormsProps<Row extends object> {
  /** What one record is called, lower case: "end user". */
  noun: string;
  fields: readonly Field[];
  creating: boolean;
  editing: Row | null;
  nameOf: (row: Row) => string;
  /** What the edit form starts from; the row itself by default. */
  initialOf?: (row: Row) => Record<string, unknown>;
  onCloseCreate: () => void;
  onCloseEdit: () => void;
  create: (body: Record<string, unknown>) => Promise<unknown>;
  update: (row: Row, body: Record<string, unknown>) => Promise<unknown>;
}

/** A page's "create" and "edit" forms for one kind of record; the page keeps which one is open. */
export function CreateAndEditForms<Row extends object>({
  noun,
  fields,
  creating,
  editing,
  nameOf,
  initialOf,
  onCloseCreate,
  onCloseEdit,
  create,
  update,
}: CreateAndEditFormsProps<Row>) {
  const act = useAction();
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  return (
    <>
      {creating && (
        <EntityForm
          title={`Create ${noun}`}
          opened
          onClose={onCloseCreate}
          fields={fields}
          submitLabel="Create"
          onSubmit={async (body) => {
            await create(body);
            await act(`${Noun} created`, async () => undefined);
          }}
        />
      )}
      {editing && (
        <EntityForm
          title={`Edit ${nameOf(editing)}`}
          opened
          editing
          onClose={onCloseEdit}
          fields={fields}
          initial={initialOf ? initialOf(editing) : (editing as Record<string, unknown>)}
          onSubmit={async (body) => {
            await update(editing, body);
            await act(`${Noun} saved`, async () => undefined);
          }}
        />
      )}
    </>
  );
}
