import { parseDocument, type DocumentOptions, type SchemaOptions } from 'yaml';

/**
 * YAML 1.2's core schema and nothing else, whatever a `%YAML 1.1` directive says: no custom tags,
 * none of the yaml package's "known" 1.1 tags (`!!binary`, `!!set`, `!!omap`, `!!pairs`,
 * `!!timestamp`), no `<<` merge keys.
 */
const CORE_YAML: DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  customTags: [],
  merge: false,
  resolveKnownTags: false,
};

/**
 * Parses config YAML (a file, a `--set` value) with the core schema only: mappings, lists,
 * strings, numbers, booleans and null. A tag the core schema lacks (`!!binary`, `!!set`,
 * `!!js/regexp`, `!local`, …), which the yaml package would only warn about, is an error, as is any
 * other YAML warning; the error's first line names the line and column.
 */
export function parseCoreYaml(text: string): unknown {
  const doc = parseDocument(text, CORE_YAML);
  if (doc.errors.length > 0) throw doc.errors[0];
  const warning = doc.warnings[0];
  if (warning)
    throw new Error(
      `${warning.message.split('\n')[0]!.replace(/:$/, '')} (config YAML is read with the 1.2 core schema only)`,
    );
  return doc.toJS();
}
