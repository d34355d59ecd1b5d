// Find a Python that can run a Flask + Flask-Login app, for the live Flask tests
// (test/flask-live.test.ts) and the side-by-side example (examples/flask-side-by-side).
//
// The `python3` first on PATH is often a virtualenv or pyenv Python without Flask,
// while the distribution's (`/usr/bin/python3`, with `apt-get install
// python3-flask python3-flask-login`) has it. So: /usr/bin/python3, then python3
// and python on PATH; the first that can `import flask, flask_login` wins.
// FLASK_PYTHON, when set, is the only one tried.

import { execFileSync } from 'node:child_process';

const PROBE =
  'import json, sys, flask, flask_login, werkzeug, itsdangerous\n' +
  'from importlib.metadata import version\n' +
  'print(json.dumps({"python": sys.version.split()[0], "flask": version("flask"),' +
  ' "flaskLogin": version("flask-login"), "werkzeug": version("werkzeug"),' +
  ' "itsdangerous": version("itsdangerous")}))';

let cached;

/**
 * The first Python that imports flask and flask_login, with the versions it has,
 * or null when there is none (`tried` lists what was tried).
 * @returns {{ python: string, versions: { python: string, flask: string, flaskLogin: string, werkzeug: string, itsdangerous: string } } | null}
 */
export function findFlaskPython() {
  if (cached !== undefined) return cached;
  const chosen = process.env.FLASK_PYTHON?.trim();
  const candidates = chosen ? [chosen] : ['/usr/bin/python3', 'python3', 'python'];
  cached = null;
  for (const python of candidates) {
    try {
      const out = execFileSync(python, ['-c', PROBE], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
      cached = { python, versions: JSON.parse(out.toString()) };
      break;
    } catch {
      // not there, or no Flask in it: try the next one
    }
  }
  return cached;
}

/** The one-line reason to give when {@link findFlaskPython} found nothing. */
export const NO_FLASK =
  'Flask is not available: no Python (FLASK_PYTHON, else /usr/bin/python3, python3) can import flask and flask_login ' +
  '(apt-get install python3-flask python3-flask-login, or set FLASK_PYTHON)';
