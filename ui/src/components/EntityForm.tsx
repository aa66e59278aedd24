import { Alert, Button, Group, Modal, NumberInput, PasswordInput, Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { messageOf } from '../api/client';

/** One input of a form, named after the API field it sets. */
export type Field<Name extends string = string> = {
  name: Name;
  label: string;
  description?: string;
  required?: boolean;
  /** Shown only when creating (e.g. an id chosen once). */
  createOnly?: boolean;
} & (
  | { kind: 'text' | 'password' }
  | { kind: 'number'; min?: number; decimals?: boolean }
  /** Comma-separated text, sent as a list of strings. */
  | { kind: 'list' }
  /** A JSON object (metadata, retry policies, …). */
  | { kind: 'json' }
  | { kind: 'select'; options: readonly string[] }
  | { kind: 'switch' }
);

type Values = Record<string, string | boolean>;

/** Turns API values into what the inputs show. */
function toInputs(fields: readonly Field[], initial: Record<string, unknown> | undefined): Values {
  const values: Values = {};
  for (const field of fields) {
    const value = initial?.[field.name];
    if (field.kind === 'switch') values[field.name] = value === true;
    else if (value === undefined || value === null) values[field.name] = '';
    else if (field.kind === 'list') values[field.name] = Array.isArray(value) ? value.join(', ') : String(value);
    else if (field.kind === 'json') values[field.name] = typeof value === 'object' && Object.keys(value).length === 0 ? '' : JSON.stringify(value, null, 2);
    else values[field.name] = String(value);
  }
  return values;
}

/** Turns what was typed into the API body: empty inputs are left out, so the server keeps its default. */
export function toBody(fields: readonly Field[], values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === 'switch') {
      if (value === true) body[field.name] = true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') continue;
    if (field.kind === 'number') body[field.name] = Number(text);
    else if (field.kind === 'list')
      body[field.name] = text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    else if (field.kind === 'json') {
      try {
        body[field.name] = JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${field.label}: not valid JSON`);
      }
    } else body[field.name] = text;
  }
  return body;
}

export interface EntityFormProps {
  title: string;
  opened: boolean;
  onClose: () => void;
  fields: readonly Field[];
  initial?: Record<string, unknown>;
  /** Editing an existing object: create-only fields are hidden. */
  editing?: boolean;
  submitLabel?: string;
  /** On the page itself rather than in a modal (settings pages). */
  inline?: boolean;
  /** A check of what was typed, without saving it (a model's "Test connection"); answers a line to show. */
  check?: { label: string; run: (body: Record<string, unknown>) => Promise<{ ok: boolean; message: string }> };
  onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
}

/** The one form pattern of the app: a modal of typed inputs, the server's message on failure. */
export function EntityForm({ title, opened, onClose, fields, initial, editing, submitLabel, inline, check, onSubmit }: EntityFormProps) {
  const shown = fields.filter((field) => !(editing && field.createOnly));
  const [values, setValues] = useState<Values>(() => toInputs(shown, initial));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [checked, setChecked] = useState<{ ok: boolean; message: string } | null>(null);
  const set = (name: string, value: string | boolean) => setValues((previous) => ({ ...previous, [name]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSubmit(toBody(shown, values));
      if (!inline) onClose();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const runCheck = async () => {
    if (!check) return;
    setChecked(null);
    setBusy(true);
    try {
      setChecked(await check.run(toBody(shown, values)));
    } catch (failure) {
      setChecked({ ok: false, message: messageOf(failure) });
    } finally {
      setBusy(false);
    }
  };

  const form = (
    <form onSubmit={(event) => void submit(event)} aria-label={title}>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {shown.map((field) => (
            <FieldInput key={field.name} field={field} value={values[field.name]} onChange={(value) => set(field.name, value)} />
          ))}
        </SimpleGrid>
        {error && (
          <Alert color="red" title="Not saved" role="alert">
            {error}
          </Alert>
        )}
        {checked && (
          <Alert color={checked.ok ? 'green' : 'red'} data-testid="form-check">
            {checked.message}
          </Alert>
        )}
        <Group justify="flex-end">
          {check && (
            <Button variant="light" onClick={() => void runCheck()} loading={busy}>
              {check.label}
            </Button>
          )}
          {!inline && (
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {submitLabel ?? 'Save'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
  if (inline) return form;
  return (
    <Modal opened={opened} onClose={onClose} title={title} size="xl">
      {form}
    </Modal>
  );
}

function FieldInput({ field, value, onChange }: { field: Field; value: string | boolean | undefined; onChange: (value: string | boolean) => void }) {
  const common = { label: field.label, description: field.description, required: field.required, name: field.name };
  const text = typeof value === 'string' ? value : '';
  switch (field.kind) {
    case 'switch':
      return <Switch {...common} checked={value === true} onChange={(event) => onChange(event.currentTarget.checked)} mt="md" />;
    case 'password':
      return <PasswordInput {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)} autoComplete="new-password" />;
    case 'number':
      return (
        <NumberInput
          {...common}
          value={text}
          min={field.min}
          allowDecimal={field.decimals !== false}
          onChange={(number) => onChange(typeof number === 'number' ? String(number) : number)}
        />
      );
    case 'json':
      return <Textarea {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)} autosize minRows={2} styles={{ input: { fontFamily: 'monospace' } }} />;
    case 'select':
      return <Select {...common} data={[...field.options]} value={text || null} onChange={(choice) => onChange(choice ?? '')} clearable />;
    case 'list':
      return <TextInput {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)} placeholder="comma, separated" />;
    default:
      return <TextInput {...common} value={text} onChange={(event) => onChange(event.currentTarget.value)} />;
  }
}
