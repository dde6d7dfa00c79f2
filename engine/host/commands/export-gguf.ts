// `fanout export-gguf`: a Hugging Face model folder (the bundled model by default) as one GGUF file
// for llama.cpp, Ollama and LM Studio (engine/model/gguf-export.ts writes it).
import { open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-errors.ts';
import { writeOut } from '../cli-io.ts';
import { log, resolveModelDir } from '../cli-model.ts';
import { startsWithGguf } from '../../model/fs-source.ts';

interface ExportCliOptions {
  model?: string;
  out: string;
  type: string;
  name?: string;
  force?: boolean;
  verbose?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('export-gguf')
    .description('write a Hugging Face model folder (default: the bundled model) as a GGUF file for llama.cpp, Ollama and LM Studio')
    .requiredOption('--out <file.gguf>', 'the GGUF file to write')
    .option('--model <dir>', 'Hugging Face model folder (default: the model under models/)')
    .option('--type <format>', 'weight matrices in f32, f16, q8_0, q6_k, q5_k, q4_k or q4_0 (rows that are not whole blocks stay f16)', 'f16')
    .option('--name <name>', "general.name in the file (default: the folder's name)")
    .option('--force', 'overwrite --out if it exists')
    .action(async (_opts: ExportCliOptions, cmd: Command) => {
      await exportCommand(cmd.optsWithGlobals<ExportCliOptions>());
    });
}

async function exportCommand(o: ExportCliOptions): Promise<void> {
  const { formatByName } = await import('../../formats/registry.ts');
  const format = formatByName(o.type);
  if (!format) throw new CliError(`--type ${o.type}: use one of f32, f16, q8_0, q6_k, q5_k, q4_k, q4_0.`);
  const out = resolve(o.out);
  if (!/\.gguf$/i.test(out)) throw new CliError(`--out ${o.out}: give a file name ending in .gguf.`);
  if (!existsSync(dirname(out)) || !statSync(dirname(out)).isDirectory()) throw new CliError(`--out ${o.out}: the folder ${dirname(out)} does not exist.`);
  if (existsSync(out) && !o.force) throw new CliError(`--out ${o.out}: the file exists; pass --force to overwrite it.`);
  const dir = resolveModelDir(o.model);
  if (/\.gguf$/i.test(dir) || startsWithGguf(dir)) throw new CliError(`--model ${o.model}: already a GGUF file; export-gguf reads a Hugging Face model folder.`);
  const [{ exportGguf }, { dirSource }] = await Promise.all([import('../../model/gguf-export.ts'), import('../../model/fs-source.ts')]);
  // Written to a temporary file beside the target and renamed at the end: a failed export leaves no half file.
  const tmp = `${out}.${process.pid}.part`;
  const fh = await open(tmp, 'w');
  let ok = false;
  try {
    let last = 0;
    const r = await exportGguf(dirSource(dir), {
      type: format.name,
      name: o.name,
      write: async (bytes) => {
        await fh.write(bytes);
      },
      onProgress: o.verbose
        ? (done, total) => {
            if (done - last > total / 10 || done === total) {
              last = done;
              log(`export: ${((100 * done) / total).toFixed(0)}% of ${(total / 2 ** 20).toFixed(1)} MiB`);
            }
          }
        : undefined,
    });
    await fh.close();
    await rename(tmp, out);
    ok = true;
    const kept = r.keptF16.length ? `; ${r.keptF16.length} matrices kept in F16 (rows not whole ${format.name} blocks): ${r.keptF16.slice(0, 3).join(', ')}${r.keptF16.length > 3 ? ', …' : ''}` : '';
    await writeOut(`wrote ${out}: ${r.tensors} tensors, ${(r.bytes / 2 ** 20).toFixed(1)} MiB, weights ${format.ggmlName}${kept}\n`);
  } finally {
    if (!ok) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
    }
  }
}
