// How a suffix reaches a remote server's model: the server's own `suffix` field (it lays the prompt out
// with the model's FIM tokens), a prompt built on the client from a model family's FIM tokens, or not at
// all. The app's settings offer these names; engine/remote/openai-remote.ts applies them.

/** How a suffix reaches the model: the server's `suffix` field, a client-side template, or not at all. */
export const FIM_TEMPLATES = {
  suffix: null,
  'qwen2.5-coder': (p: string, s: string) => `<|fim_prefix|>${p}<|fim_suffix|>${s}<|fim_middle|>`,
  starcoder: (p: string, s: string) => `<fim_prefix>${p}<fim_suffix>${s}<fim_middle>`,
  'deepseek-coder': (p: string, s: string) => `<｜fim▁begin｜>${p}<｜fim▁hole｜>${s}<｜fim▁end｜>`,
  codellama: (p: string, s: string) => `<PRE> ${p} <SUF>${s} <MID>`,
  none: null,
} as const;
export type FimMode = keyof typeof FIM_TEMPLATES;
export const FIM_MODES = Object.keys(FIM_TEMPLATES) as FimMode[];

