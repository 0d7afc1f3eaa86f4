/**
 * Environment configuration, declared once per service and validated at start. Every variable
 * has a parser, a default (or is required) and a line of documentation; a bad value stops the
 * service with an error that names the variable, what was expected and what was given.
 */

export interface EnvVar<T> {
  readonly doc: string;
  /** Shown in docs; `undefined` = required (or optional when `optional`). */
  readonly defaultText: string | undefined;
  parse(raw: string | undefined): T;
}

/** Thrown by parsers; `loadConfig` prefixes the variable name. */
export class EnvValueError extends Error {}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export type EnvSpec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends EnvSpec> = {
  readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never;
};

const blank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === '';

function variable<T>(
  doc: string,
  fallback: T | undefined,
  optional: boolean,
  convert: (raw: string) => T,
  show: (value: T) => string = String,
): EnvVar<T> {
  return {
    doc,
    defaultText: fallback === undefined ? undefined : show(fallback),
    parse(raw) {
      if (blank(raw)) {
        if (fallback !== undefined) return fallback;
        if (optional) return undefined as T;
        throw new EnvValueError('is required');
      }
      return convert(raw.trim());
    },
  };
}

interface Common<T> {
  readonly default?: T;
  readonly doc?: string;
}

function checkRange(n: number, min: number | undefined, max: number | undefined, what: string, raw: string) {
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    const range =
      min !== undefined && max !== undefined
        ? `between ${min} and ${max}`
        : min !== undefined
          ? `>= ${min}`
          : `<= ${max}`;
    throw new EnvValueError(`must be ${what} ${range} (got "${raw}")`);
  }
}

/** Parsers for environment variables. */
export const env = {
  string(options: Common<string> & { pattern?: RegExp; minLength?: number } = {}): EnvVar<string> {
    return variable(options.doc ?? '', options.default, false, (raw) => {
      if (options.minLength !== undefined && raw.length < options.minLength) {
        throw new EnvValueError(`must be at least ${options.minLength} characters long`);
      }
      if (options.pattern && !options.pattern.test(raw)) {
        throw new EnvValueError(`must match ${options.pattern} (got "${raw}")`);
      }
      return raw;
    });
  },
  optionalString(
    options: { doc?: string; minLength?: number; minBytes?: number } = {},
  ): EnvVar<string | undefined> {
    return variable<string | undefined>(options.doc ?? '', undefined, true, (raw) => {
      if (options.minLength !== undefined && raw.length < options.minLength) {
        throw new EnvValueError(`must be at least ${options.minLength} characters long`);
      }
      if (options.minBytes !== undefined && Buffer.byteLength(raw) < options.minBytes) {
        throw new EnvValueError(
          `must be at least ${options.minBytes} bytes long (got ${Buffer.byteLength(raw)}; e.g. openssl rand -base64 32)`,
        );
      }
      return raw;
    });
  },
  int(options: Common<number> & { min?: number; max?: number } = {}): EnvVar<number> {
    return variable(options.doc ?? '', options.default, false, (raw) => {
      if (!/^-?\d+$/.test(raw)) throw new EnvValueError(`must be an integer (got "${raw}")`);
      const n = Number(raw);
      checkRange(n, options.min, options.max, 'an integer', raw);
      return n;
    });
  },
  number(options: Common<number> & { min?: number; max?: number } = {}): EnvVar<number> {
    return variable(options.doc ?? '', options.default, false, (raw) => {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new EnvValueError(`must be a number (got "${raw}")`);
      checkRange(n, options.min, options.max, 'a number', raw);
      return n;
    });
  },
  port(options: Common<number> = {}): EnvVar<number> {
    return env.int({ min: 0, max: 65535, ...options });
  },
  bool(options: Common<boolean> = {}): EnvVar<boolean> {
    return variable(options.doc ?? '', options.default, false, (raw) => {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new EnvValueError(`must be true or false (got "${raw}")`);
    });
  },
  oneOf<const T extends string>(values: readonly T[], options: Common<T> = {}): EnvVar<T> {
    return variable(options.doc ?? '', options.default, false, (raw) => {
      if (!(values as readonly string[]).includes(raw)) {
        throw new EnvValueError(`must be one of ${values.join(', ')} (got "${raw}")`);
      }
      return raw as T;
    });
  },
  /** Comma separated; blank entries are ignored. Optional: undefined when unset. */
  list(options: { doc?: string; item?: RegExp; itemText?: string } = {}): EnvVar<string[] | undefined> {
    return variable<string[] | undefined>(options.doc ?? '', undefined, true, (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const item of items) {
        if (options.item && !options.item.test(item)) {
          throw new EnvValueError(`entry "${item}" is not ${options.itemText ?? `matching ${options.item}`}`);
        }
      }
      return items.length > 0 ? items : undefined;
    });
  },
};

/** Parses every variable of the spec; reports all problems at once. */
export function loadConfig<S extends EnvSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(spec)) {
    try {
      out[name] = v.parse(source[name]);
    } catch (error) {
      if (!(error instanceof EnvValueError)) throw error;
      problems.push(`${name} ${error.message}${v.doc ? ` — ${v.doc}` : ''}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** A table of the variables for docs and `--help`: name, default, description. */
export function describeConfig(spec: EnvSpec): string {
  const rows = Object.entries(spec).map(([name, v]) => [name, v.defaultText ?? '(unset)', v.doc]);
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const dwidth = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([n, d, doc]) => `${n!.padEnd(width)}  ${d!.padEnd(dwidth)}  ${doc}`).join('\n');
}
