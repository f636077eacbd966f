/** The yaml package, loaded on first use (see load.ts). Same names and signatures as the package's own. */
import type * as YAML from 'yaml'
import {lazyRequire} from './load.js'

const yaml = (): typeof YAML => lazyRequire<typeof YAML>('yaml')

export const parseYaml = ((...a: unknown[]) => (yaml().parse as (...x: unknown[]) => unknown)(...a)) as typeof YAML.parse
export const yamlStringify = ((...a: unknown[]) => (yaml().stringify as (...x: unknown[]) => string)(...a)) as typeof YAML.stringify
export const parseAllDocuments = ((...a: unknown[]) => (yaml().parseAllDocuments as (...x: unknown[]) => unknown)(...a)) as typeof YAML.parseAllDocuments
export const parseDocument = ((...a: unknown[]) => (yaml().parseDocument as (...x: unknown[]) => unknown)(...a)) as typeof YAML.parseDocument
export const isMap = ((n: unknown) => yaml().isMap(n)) as typeof YAML.isMap
export const isSeq = ((n: unknown) => yaml().isSeq(n)) as typeof YAML.isSeq
export const isScalar = ((n: unknown) => yaml().isScalar(n)) as typeof YAML.isScalar
export const visit = ((...a: unknown[]) => (yaml().visit as (...x: unknown[]) => void)(...a)) as typeof YAML.visit
export const newLineCounter = (): YAML.LineCounter => new (yaml().LineCounter)()
export const newYamlDocument = (
  value?: unknown,
  options?: YAML.DocumentOptions & YAML.SchemaOptions & YAML.ParseOptions & YAML.CreateNodeOptions,
): YAML.Document => new (yaml().Document)(value, options)
export type {Node as YamlNode, Document as YamlDocument, LineCounter} from 'yaml'
