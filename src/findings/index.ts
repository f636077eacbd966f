export * from './types.js'
export {CATALOG, catalogEntry, codesForIstioCode, type CatalogEntry, type FindingArea} from './catalog.js'
export {makeFinding, fillTemplate, subjectRef, subjectLabel, atLeast, compareFindings, findingKey} from './finding.js'
