#!/usr/bin/env python3
"""Copies the held-out files that `fanout eval` uses for next-line exact match into evals/heldout/.

Reads the training corpus's validation split (whole npm packages that training never saw; see
tools/train/build_corpus.py) and tools/train/manifest.json, copies the files listed in FILES with
their package's licence text, and writes manifest.json (package, version, licence, path in the
package, path of the copy). Only packages the training manifest marks split "val" and with an
accepted licence are taken. Not run in CI: the corpus lives outside the repository.

    /usr/bin/python3 evals/heldout/extract.py --data /root/fanout-train
"""
import argparse
import json
import os
import shutil

# (package, path inside the package): small, ordinary source files from several held-out packages.
FILES = [
    ('decamelize', 'index.js'),
    ('jsonc-parser', 'lib/esm/impl/scanner.js'),
    ('light-my-request', 'lib/response.js'),
    ('light-my-request', 'types/index.tst.ts'),
    ('lit-html', 'development/directives/class-map.js'),
    ('luxon', 'src/impl/util.js'),
    ('marked', 'bin/main.js'),
    ('moment', 'src/lib/units/month.js'),
    ('nunjucks', 'src/lexer.js'),
    ('pg', 'lib/connection-parameters.js'),
    ('pg', 'lib/utils.js'),
    ('qs', 'lib/stringify.js'),
    ('undici', 'lib/api/api-request.js'),
    ('undici', 'lib/core/tree.js'),
]
ACCEPTED = {'MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', '0BSD'}
LICENCE_NAMES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'License.txt', 'license', 'license.md', 'LICENCE', 'LICENCE.md']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='/root/fanout-train')
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    packages = {p['name']: p for p in json.load(open(os.path.join(root, 'tools/train/manifest.json')))['packages']}
    texts = {}
    with open(os.path.join(args.data, 'corpus/val.jsonl')) as f:
        for line in f:
            d = json.loads(line)
            texts[(d['pkg'], d['path'])] = d['text']
    out = []
    for pkg, path in FILES:
        meta = packages[pkg]
        assert meta['split'] == 'val', f'{pkg} is not held out'
        assert meta['license'] in ACCEPTED, f'{pkg}: licence {meta["license"]} not accepted'
        text = texts[(pkg, path)]
        dest = os.path.join(pkg, path)
        os.makedirs(os.path.join(here, os.path.dirname(dest)), exist_ok=True)
        with open(os.path.join(here, dest), 'w', newline='\n') as f:
            f.write(text)
        lic = next(n for n in LICENCE_NAMES if os.path.exists(os.path.join(args.data, 'pkgs', pkg, n)))
        shutil.copyfile(os.path.join(args.data, 'pkgs', pkg, lic), os.path.join(here, pkg, lic))
        out.append({'package': pkg, 'version': meta['version'], 'license': meta['license'], 'path': path,
                    'file': dest, 'licenseFile': os.path.join(pkg, lic), 'bytes': len(text.encode())})
    manifest = {
        'about': 'Source files from npm packages held out of the bundled model\'s training data (split "val" '
                 'in tools/train/manifest.json), copied unchanged from the corpus, each with its package\'s '
                 'licence. Used by `fanout eval` for next-line exact match. Written by extract.py.',
        'files': out,
    }
    with open(os.path.join(here, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
