// Writes openapi.json, the OpenAPI document of the built API: what redocly lints and what @tq/client's
// types are generated from. src/openapi.test.ts fails when the file and the code disagree.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { openApiDocument } = require('../dist/openapi');

writeFileSync(join(__dirname, '..', 'openapi.json'), `${JSON.stringify(openApiDocument, null, 2)}\n`);
