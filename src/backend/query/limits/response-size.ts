/**
 * Fitting the answers of one QueryData request into one gRPC message: every query's encoded frames
 * must stay within its own limit (maxResponseMB), and all of them together within the message
 * size the backend may send. When the total does not fit, the largest answers are refused one by
 * one (each with its own error) until the rest fits, so one huge query never takes its
 * neighbours down with a failed message.
 */

export interface SizedAnswer {
  /** encoded bytes of the answer's frames */
  bytes: number;
}

export interface Refusal {
  index: number;
  reason: 'query' | 'message';
}

export function fitAnswers(answers: readonly SizedAnswer[], perQueryMax: number, messageMax: number): Refusal[] {
  const refused: Refusal[] = [];
  const kept: number[] = [];
  answers.forEach((answer, index) => {
    if (answer.bytes > perQueryMax) refused.push({ index, reason: 'query' });
    else kept.push(index);
  });
  let total = kept.reduce((sum, index) => sum + answers[index]!.bytes, 0);
  // Room for the response's own framing, the refIds and the error texts.
  const budget = messageMax - 64 * 1024 - answers.length * 1024;
  kept.sort((a, b) => answers[b]!.bytes - answers[a]!.bytes);
  for (const index of kept) {
    if (total <= budget) break;
    refused.push({ index, reason: 'message' });
    total -= answers[index]!.bytes;
  }
  return refused.sort((a, b) => a.index - b.index);
}
