/** Whose last message Llama Guard assesses: the user's (a request) or the agent's (a reply). */
export type AssessedRole = 'User' | 'Agent';

/** One turn of the conversation shown to Llama Guard. */
export interface Turn {
  readonly role: AssessedRole;
  readonly text: string;
}

/**
 * The Llama Guard prompt (Meta's model card format, as LiteLLM registers it for its SageMaker judge): the task, the
 * unsafe categories, the conversation as `User:` / `Agent:` turns, and the instruction to answer `safe` or `unsafe`
 * with the violated categories on a second line.
 */
export function llamaGuardPrompt(categories: string, turns: readonly Turn[], role: AssessedRole): string {
  const conversation = turns.map((turn) => `${turn.role}: ${turn.text}`).join('\n\n');
  return [
    `Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    categories.trim(),
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    conversation,
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ONLY THE LAST ${role} message in the above conversation:`,
    " - First line must read 'safe' or 'unsafe'.",
    ' - If unsafe, a second line must include a comma-separated list of violated categories.',
  ].join('\n');
}

/** A category list's codes and names: `S1: Violent Crimes.` → `S1` → `Violent Crimes` (LiteLLM's `O1: …` lists too). */
export function categoryNames(categories: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const line of categories.split('\n')) {
    const match = /^\s*([A-Z]\d{1,3}):\s*(.+?)\.?\s*$/.exec(line);
    if (match) names.set(match[1], match[2]);
  }
  return names;
}

/** Llama Guard's answer: `safe`, or `unsafe` and the codes of the violated categories. */
export type Assessment = { readonly safe: true } | { readonly safe: false; readonly codes: readonly string[] };

/** The judge answered something that is not an assessment (a wrong model, or one ignoring its format). */
export class LlamaGuardAnswerError extends Error {
  constructor() {
    super("LlamaGuard's model answered neither 'safe' nor 'unsafe'");
    this.name = 'LlamaGuardAnswerError';
  }
}

/**
 * Parses `safe` / `unsafe\nS1,S2` (blank lines and case aside).
 * @throws LlamaGuardAnswerError
 */
export function parseAssessment(answer: string): Assessment {
  const lines = answer
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const verdict = lines[0]?.toLowerCase();
  if (verdict === 'safe') return { safe: true };
  if (verdict !== 'unsafe') throw new LlamaGuardAnswerError();
  const codes = (lines[1] ?? '')
    .split(',')
    .map((code) => code.trim().toUpperCase())
    .filter((code) => /^[A-Z]\d{1,3}$/.test(code));
  return { safe: false, codes };
}
