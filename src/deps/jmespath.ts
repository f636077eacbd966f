/** JMESPath for --query, loaded on first use (see load.ts): only runs that pass --query need it. */
import type * as JMESPath from '@jmespath-community/jmespath'
import {lazyRequire} from './load.js'

const jmespath = (): typeof JMESPath => lazyRequire<typeof JMESPath>('@jmespath-community/jmespath')

export const compileQuery = ((...a: unknown[]) => (jmespath().compile as (...x: unknown[]) => unknown)(...a)) as typeof JMESPath.compile
export const searchQuery = ((...a: unknown[]) => (jmespath().search as (...x: unknown[]) => unknown)(...a)) as typeof JMESPath.search
