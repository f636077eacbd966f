// meshctl's own lint rules. `meshctl/layers`: a module of src/ imports only the layers LAYERS allows it.
import {dirname, relative, resolve, sep} from 'node:path'
import {LAYERS} from './layers.js'

const SRC = resolve(dirname(new URL(import.meta.url).pathname), '../../src')

/** `src/analysis/diff/x.ts` → `analysis`; `src/errors.ts` → `errors`; outside src → undefined. */
function layerOf(file) {
  const rel = relative(SRC, file)
  if (rel.startsWith('..')) return undefined
  const first = rel.split(sep)[0]
  return first.replace(/\.(tsx?|js)$/, '')
}

const layers = {
  meta: {type: 'problem', docs: {description: 'imports follow the layers of DESIGN.md (nothing imports upward)'}, schema: []},
  create(context) {
    const from = layerOf(context.filename)
    if (!from) return {}
    const allowed = LAYERS[from]
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return
      const to = layerOf(resolve(dirname(context.filename), spec))
      if (!to || to === from) return
      if (!allowed) {
        context.report({node, message: `src/${from} is not a known layer: add it to scripts/eslint/layers.js`})
      } else if (!allowed.includes(to)) {
        context.report({node, message: `${from} must not import ${to} (${spec}): layers allow ${from} → ${allowed.join(', ') || 'nothing'}`})
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    }
  },
}

export default {rules: {layers}}
