// What trainers give us, turned into a contract group: the program (from a model's completion: text, or
// TRL's conversational messages) and the tests (from the sample's label / ground truth, by the shared
// rules of lib/datasets/label-rules.ts).
import { LabelError, testsFromLabel as labelGroup, type LabelGroup } from '../datasets/label-rules';
import { LineError } from '../pipeline/contract';

export type { LabelGroup };

const FENCE = /```([^\n`]*)\n([\s\S]*?)```/g;

/**
 * The program in a completion: the last ```python block, else the last fenced block of any kind,
 * else the whole text (models that answer with bare code). Same preference as verl's extractor,
 * except that unfenced text is tried rather than scored 0: a non-program fails to compile anyway.
 */
export function extractProgram(completion: string): string {
  let lastPython: string | null = null;
  let lastAny: string | null = null;
  for (const m of completion.matchAll(FENCE)) {
    const lang = m[1].trim().toLowerCase();
    if (lang === 'python' || lang === 'py' || lang === 'python3') lastPython = m[2];
    lastAny = m[2];
  }
  return lastPython ?? lastAny ?? completion;
}

/** OpenRLHF sends prompt + response as `query`; the response is what follows the prompt. */
export function responseOf(query: string, prompt: string | undefined): string {
  if (prompt !== undefined && prompt !== '' && query.startsWith(prompt)) return query.slice(prompt.length);
  return query;
}

/** TRL's conversational message: `content` is text, or a list of parts ({"type": "text", "text"}). */
function messageText(m: Record<string, unknown>): string {
  const c = m.content;
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    return c.map((p) => (typeof p === 'string' ? p : typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  }
  return '';
}

const HAS_FENCE = /```[^\n`]*\n[\s\S]*?```/;

/**
 * The program in a TRL completion: a string is a completion of its own; a conversational completion is a
 * list of messages. With tool calling it can end with tool results (`{"role": "tool"}`) or hold several
 * assistant turns: the program is in the last assistant message that has a fenced code block, else the
 * last assistant message's text (bare code), else the whole text of the last message.
 */
export function programOfCompletion(completion: unknown): string {
  if (typeof completion === 'string') return extractProgram(completion);
  if (Array.isArray(completion)) {
    const messages = completion.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m));
    const assistant = messages.filter((m) => m.role === 'assistant');
    for (let i = assistant.length - 1; i >= 0; i--) {
      const text = messageText(assistant[i]);
      if (HAS_FENCE.test(text)) return extractProgram(text);
    }
    if (assistant.length > 0) return extractProgram(messageText(assistant[assistant.length - 1]));
    if (messages.length > 0) return extractProgram(messageText(messages[messages.length - 1]));
    return '';
  }
  if (typeof completion === 'object' && completion !== null) return extractProgram(messageText(completion as Record<string, unknown>));
  return '';
}

/**
 * A trainer's label as a group without programs, by the shared rules (lib/datasets/label-rules.ts: verpo's
 * `{"tests"}`, verl/APPS `{"inputs", "outputs", "fn_name"?, "assert_case"?}`, LiveCodeBench/DeepCoder
 * cases, LiveCodeBench rows); a label that cannot be read is a LineError naming its field.
 */
export function testsFromLabel(label: unknown): LabelGroup {
  try {
    return labelGroup(label);
  } catch (e) {
    if (e instanceof LabelError) throw new LineError(e.field, e.reason);
    throw e;
  }
}
