/**
 * Offline prompt-injection heuristics: weighted patterns over a normalised copy of the text. Each pattern uses
 * bounded gaps only (`(?:\W+\w+){0,3}`-style), so a scan is linear in the text length whatever the input.
 */

export interface InjectionSignal {
  readonly name: string;
  readonly weight: number;
  readonly pattern: RegExp;
}

const GAP = "(?:[\\s,;:-]+[\\w'’]+){0,4}[\\s,;:-]+";

const OVERRIDE_VERBS =
  "ignore|disregard|forget|skip|bypass|override|overrule|neglect|overlook|omit|drop|abandon|discard|erase|set aside|put aside|stop following|do not follow|don't follow|never mind";
const EARLIER = 'previous|prior|above|earlier|preceding|foregoing|initial|original|system|existing|old|former|all|any|every';
const RULES =
  'instructions?|prompts?|rules?|directions?|directives?|guidelines?|context|messages?|commands?|constraints?|polic(?:y|ies)|programming|guardrails?|restrictions?|safety';

/** The signals, strongest first. A text whose weights add up to the threshold (default 1) is an injection. */
export const INJECTION_SIGNALS: readonly InjectionSignal[] = [
  { name: 'instruction override', weight: 1, pattern: new RegExp(`\\b(?:${OVERRIDE_VERBS})${GAP}(?:${EARLIER})\\b(?:${GAP})?(?:${RULES})\\b`) },
  { name: 'instruction override', weight: 1, pattern: new RegExp(`\\b(?:${OVERRIDE_VERBS})\\s+(?:all\\s+(?:of\\s+)?)?your\\s+(?:\\w+\\s+)?(?:${RULES})\\b`) },
  {
    name: 'instruction override',
    weight: 1,
    pattern: new RegExp(`\\b(?:${OVERRIDE_VERBS})\\s+(?:everything|anything|all)\\s+(?:above|before|prior|(?:i|you)\\s+(?:said|were\\s+told))\\b`),
  },
  {
    name: 'instruction override',
    weight: 1,
    pattern: new RegExp(`\\b(?:${OVERRIDE_VERBS})\\s+(?:all\\s+|any\\s+|the\\s+|your\\s+)?(?:${RULES})\\s+(?:above|before|so\\s+far|you\\s+(?:were|have\\s+been)\\s+given)\\b`),
  },
  {
    name: 'instruction override',
    weight: 1,
    pattern:
      /\b(?:previous|prior|earlier|original|old|system)\s+(?:instructions|rules|prompt)\s+(?:are|is|have\s+been|has\s+been)\s+(?:now\s+)?(?:cancell?ed|void|revoked|overridden|replaced|obsolete|no\s+longer\s+valid)/,
  },
  { name: 'instruction override', weight: 1, pattern: /\bno\s+longer\s+bound\s+by\b/ },
  {
    name: 'system prompt extraction',
    weight: 1,
    pattern:
      /\b(?:reveal|show|print|repeat|output|display|leak|dump|expose|tell me|give me|share|write out|recite)(?:\s+\w+){0,3}\s+(?:your|the|its)\s+(?:system\s+prompt|initial\s+(?:prompt|instructions)|hidden\s+(?:prompt|instructions)|original\s+(?:prompt|instructions)|secret\s+instructions|instructions\s+(?:above|verbatim)|pre-?prompt)/,
  },
  {
    name: 'system prompt extraction',
    weight: 1,
    pattern: /\bwhat\s+(?:is|was|are|were)\s+(?:your|the)\s+(?:system\s+prompt|initial\s+instructions|original\s+instructions|hidden\s+instructions)\b/,
  },
  {
    name: 'system prompt extraction',
    weight: 1,
    pattern: /\b(?:repeat|print|output|show|dump|recite)\s+(?:everything|all|the\s+text)\s+(?:in|from|of)\s+your\s+(?:context|memory|context\s+window|instructions)\b/,
  },
  {
    name: 'system prompt extraction',
    weight: 1,
    pattern: /\bwhat\s+(?:instructions|rules)\s+(?:did|were|have)\s+(?:the\s+)?(?:developers?|creators?|operators?|you)\b[^.?!]{0,40}\b(?:give|given|told|provide|provided)\b/,
  },
  {
    name: 'role hijack',
    weight: 1,
    pattern:
      /\b(?:you\s+are\s+now|from\s+now\s+on,?\s+you\s+are|act\s+as|pretend\s+to\s+be|roleplay\s+as|behave\s+like)\s+(?:an?\s+)?(?:dan\b|jailbroken|unrestricted|unfiltered|uncensored|evil|rogue|in\s+developer\s+mode|developer\s+mode|an?\s+ai\s+(?:with(?:out)?|that\s+has)\s+no)/,
  },
  {
    name: 'role hijack',
    weight: 1,
    pattern: /\b(?:do\s+anything\s+now|developer\s+mode\s+(?:enabled|activated)|jailbreak(?:ed)?\s+mode|dan\s+mode|god\s+mode\s+(?:enabled|activated))\b/,
  },
  { name: 'role hijack', weight: 1, pattern: /\b(?:as\s+if|pretend|imagine)\s+(?:that\s+)?(?:you\s+(?:were|are)\s+)?jailbroken\b/ },
  {
    name: 'no-rules framing',
    weight: 1,
    pattern:
      /\b(?:pretend|imagine|assume|suppose)(?:\s+that)?\s+(?:you|there)\s+(?:are|have|were|had)\s+no\s+(?:rules|restrictions|guidelines|limits|limitations|filters|content\s+polic(?:y|ies)|ethical\s+guidelines|safety\s+guidelines)/,
  },
  {
    name: 'no-rules framing',
    weight: 1,
    pattern: /\bai\s+(?:that\s+has|with|that\s+have)\s+no\s+(?:rules|restrictions|limitations|limits|filters|guidelines|content\s+polic(?:y|ies))\b/,
  },
  {
    name: 'no-rules framing',
    weight: 1,
    pattern:
      /\bwithout\s+(?:any\s+)?(?:(?:ethical|moral|safety)\s+(?:guidelines|constraints|restrictions|filters)|censorship|content\s+polic(?:y|ies))\b|\bas\s+if\s+(?:safety|ethical|content)\s+(?:guidelines|rules|policies)\s+did\s+not\s+exist/,
  },
  { name: 'no-rules framing', weight: 0.6, pattern: /\bwithout\s+(?:any\s+)?(?:restrictions|filters|limits|limitations)\b/ },
  {
    name: 'new instructions',
    weight: 1,
    pattern: /(?:^|[.!?:>\]]\s*)(?:new|updated|revised)\s+(?:system\s+)?(?:instructions|rules|system\s+prompt|system\s+message|directives)\s*:/,
  },
  { name: 'new instructions', weight: 1, pattern: /\b(?:real|actual|true)\s+(?:instructions|task|rules)\s+(?:are|is)\s*:/ },
  { name: 'new instructions', weight: 0.6, pattern: /\bfrom\s+now\s+on,?\s+(?:you\s+(?:will|must|shall|are\s+to|only)|respond|answer|reply|only)/ },
  {
    name: 'prompt delimiter',
    weight: 1,
    pattern:
      /<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?inst\]|<<\/?sys>>|<\/?system>|###\s*(?:system|instruction)s?\s*:|\bbegin\s+system\s+prompt\b|\bend\s+of\s+(?:system\s+)?prompt\b/,
  },
  {
    name: 'safety off switch',
    weight: 1,
    pattern:
      /\b(?:disable|turn\s+off|deactivate|remove|switch\s+off|bypass)\s+(?:all\s+(?:of\s+)?(?:your\s+)?|your\s+)(?:safety|content|ethical)\s+(?:filters?|guidelines|polic(?:y|ies)|restrictions|mode)/,
  },
  {
    name: 'authority claim',
    weight: 0.5,
    pattern:
      /\b(?:i\s+am|this\s+is)\s+(?:your|the|an?)\s+(?:developer|creator|administrator|admin|system\s+administrator|openai\s+(?:staff|employee)|anthropic\s+(?:staff|employee))\b/,
  },
  { name: 'confidentiality break', weight: 0.5, pattern: /\b(?:confidential|secret|hidden|internal)\s+(?:instructions|prompt|rules)\b/ },
];

/** Lower case, no zero-width or control characters, one space between words: what the signals are written for. */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u200b-\u200f\u2060\ufeff]/g, '')
    .replace(/\s+/g, ' ');
}

/** Indexes of the signals `normalised` shows. */
function matchedSignals(normalised: string, into: Set<number>): void {
  INJECTION_SIGNALS.forEach((signal, index) => {
    if (!into.has(index) && signal.pattern.test(normalised)) into.add(index);
  });
}

function scoreOf(matched: ReadonlySet<number>): { score: number; signals: string[] } {
  let score = 0;
  const signals: string[] = [];
  for (const index of [...matched].sort((a, b) => a - b)) {
    const signal = INJECTION_SIGNALS[index];
    score += signal.weight;
    if (!signals.includes(signal.name)) signals.push(signal.name);
  }
  return { score, signals };
}

/** The signals `text` shows and their total weight. */
export function scoreInjection(text: string): { score: number; signals: string[] } {
  const matched = new Set<number>();
  matchedSignals(normalise(text), matched);
  return scoreOf(matched);
}

const SLICE_CHARS = 8 * 1024;
/** Longer than any phrase a signal matches, so a phrase cut by a slice boundary is whole in the next slice. */
const SLICE_OVERLAP = 512;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * {@link scoreInjection} for long texts: overlapping 8 KB slices, yielding to the event loop between them, so a large
 * prompt never stalls other requests. Same result as the one-pass score.
 */
export async function scoreInjectionInSlices(text: string): Promise<{ score: number; signals: string[] }> {
  const normalised = normalise(text);
  if (normalised.length <= SLICE_CHARS) return scoreOf(withSignals(normalised));
  const matched = new Set<number>();
  for (let start = 0; start < normalised.length; start += SLICE_CHARS - SLICE_OVERLAP) {
    matchedSignals(normalised.slice(start, start + SLICE_CHARS), matched);
    if (matched.size === INJECTION_SIGNALS.length || start + SLICE_CHARS >= normalised.length) break;
    await nextTurn();
  }
  return scoreOf(matched);
}

function withSignals(normalised: string): Set<number> {
  const matched = new Set<number>();
  matchedSignals(normalised, matched);
  return matched;
}
