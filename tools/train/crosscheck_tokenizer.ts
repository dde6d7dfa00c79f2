// Cross-check the engine's TypeScript tokenizer against the Python training encoder (tools/train/bpe.py).
// Usage: npx tsx tools/train/crosscheck_tokenizer.ts TOKENIZER.json DUMP.json
//   where DUMP.json comes from: /usr/bin/python3 tools/train/check_tokenizer.py TOKENIZER.json --dump CORPUS.jsonl N DUMP.json
import { readFileSync } from 'node:fs';
import { Tokenizer } from '../../engine/tokenizer/index.ts';

const [tokPath, dumpPath] = process.argv.slice(2);
const tok = Tokenizer.fromJSON(JSON.parse(readFileSync(tokPath, 'utf8')));
const recs = JSON.parse(readFileSync(dumpPath, 'utf8')) as { text: string; ids: number[] }[];
let bad = 0;
let tokens = 0;
for (const [i, r] of recs.entries()) {
  const ids = tok.encode(r.text, { specials: false });
  tokens += r.ids.length;
  const n = Math.max(ids.length, r.ids.length);
  let k = 0;
  while (k < n && ids[k] === r.ids[k]) k++;
  if (k < n) {
    bad++;
    if (bad <= 5) {
      console.log(`record ${i}: first mismatch at token ${k}: engine ${JSON.stringify(ids.slice(k, k + 5))} python ${JSON.stringify(r.ids.slice(k, k + 5))}`);
      console.log(`  context: ${JSON.stringify(tok.decode(r.ids.slice(Math.max(0, k - 5), k + 5)))}`);
    }
  }
  if (tok.decode(r.ids) !== r.text) console.log(`record ${i}: engine decode of python ids differs from text`);
}
console.log(`${recs.length - bad}/${recs.length} records identical (${tokens} tokens)`);
process.exit(bad ? 1 : 0);
