/** explain route reports the project-wide Finding (src/findings): one shape for audit, explain and diff. */
export type {Finding, FindingSubject, Severity} from '../../findings/types.js'
