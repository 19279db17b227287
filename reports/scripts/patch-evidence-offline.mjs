#!/usr/bin/env node
// Adapts Evidence 40.1.8 to build and run with no internet access, and to format numbers the
// French way. Run by `npm ci` / `npm install` (postinstall) and checked by `npm run check-patch`
// (orchestration/bi.py runs the check before every build). See docs/bi.md.
//
// Why: Evidence's DuckDB-WASM (@duckdb/duckdb-wasm 1.32.0) has no built-in Parquet reader. The
// first `read_parquet` makes it download the parquet extension from extensions.duckdb.org; with
// no network, `evidence sources` and `evidence build` hang silently (evidence-dev/evidence#3155),
// and a browser without internet cannot load the data either. The npm package does not ship the
// extension, so this script removes the need for it:
//   - universal-sql/src/build-parquet.js (`evidence sources`): the batches that parquet-wasm has
//     already written are merged with parquet-wasm instead of DuckDB's `COPY ... read_parquet`;
//   - universal-sql/src/client-duckdb/node.js (`evidence build`, prerendering) and browser.js (the
//     site in the browser): each Parquet file is decoded with parquet-wasm (shipped with Evidence)
//     and loaded into DuckDB-WASM as an Arrow table, instead of a view over `read_parquet`;
//   - both clients switch DuckDB's extension auto-loading off, so anything else that would need a
//     download fails at once with an error instead of hanging;
//   - component-utilities/src/formatting.js: numbers are formatted the French way (1 403 379,5;
//     52 %): Evidence formats with SSF (Excel codes), which only knows English separators.
//   - component-utilities/src/echarts.js: charts use ECharts' French locale (month names).
//   - core-components (tables, search, download, pagination, sidebar, loading placeholders, chart
//     menus, table of contents) and the page template (`<html lang>`): Evidence's own interface
//     strings, hard-coded in English, in French (FRENCH_INTERFACE below). Each table's download
//     button is always shown (not only on hover) and writes a CSV for French spreadsheets
//     (`;` between fields, decimal comma).
//
// It fails loudly (exit 1, so `npm ci` fails) when a package version differs from the one it was
// proven with, or when the code it replaces is not found exactly once.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = 'LEIA-OFFLINE-PATCH v1';
const REPORTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = path.join(REPORTS_DIR, 'node_modules');

/** The versions this patch was proven with (package.json pins them; the lock file too). */
const EXPECTED_VERSIONS = {
	'@evidence-dev/evidence': '40.1.8',
	'@evidence-dev/core-components': '5.4.2',
	'@evidence-dev/duckdb': '2.0.1',
	'@evidence-dev/universal-sql': '3.0.1',
	'@evidence-dev/component-utilities': '4.0.13',
	'@duckdb/duckdb-wasm': '1.32.0',
	'@duckdb/node-api': '1.4.2-r.1',
	'parquet-wasm': '0.5.0'
};

const NO_AUTOLOAD_FIND = "\t\tawait connection.query('SET old_implicit_casting = true;');\n";
const NO_AUTOLOAD_REPLACE =
	NO_AUTOLOAD_FIND +
	`\t\t// ${MARKER}: never download an extension (no network): fail at once instead.\n` +
	"\t\tawait connection.query('SET autoinstall_known_extensions = false;');\n" +
	"\t\tawait connection.query('SET autoload_known_extensions = false;');\n";

const PATCHES = [
	{
		file: '@evidence-dev/universal-sql/src/build-parquet.js',
		edits: [
			{
				find:
					'\tawait initDB();\n\n' +
					'\tconst outputFilepath = path.join(outDir, outputFilename);\n\n' +
					"\tconst parquetFiles = tmpFilenames.map((filename) => `'${filename.replaceAll('\\\\', '/')}'`);\n\n" +
					'\tconst select = `SELECT * FROM read_parquet([${parquetFiles.join(\',\')}])`;\n' +
					"\tconst copy = `COPY (${select}) TO '${outputFilepath}' (FORMAT 'PARQUET', CODEC 'ZSTD', USE_TMP_FILE false);`;\n\n" +
					'\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n' +
					'\tawait query(copy);\n',
				replace:
					`\t// ${MARKER}: merge the batches with parquet-wasm, not DuckDB-WASM's read_parquet.\n` +
					'\tconst outputFilepath = path.join(outDir, outputFilename);\n' +
					'\tawait fs.mkdir(path.dirname(outputFilepath), { recursive: true });\n' +
					'\tawait leiaMergeParquet(tmpFilenames, outputFilepath);\n'
			},
			{
				find: "\tawait emptyDbFs('*');\n\n\tfn_done();\n",
				replace: `\t// ${MARKER}: DuckDB-WASM was not used.\n\tfn_done();\n`
			}
		],
		append: `
// ${MARKER}
import { tableFromIPC as leiaTableFromIPC, Table as LeiaArrowTable } from 'apache-arrow';
import { readParquet as leiaReadParquet } from 'parquet-wasm/node/arrow1.js';

/**
 * Concatenates the Parquet batch files into one ZSTD Parquet file (parquet-wasm only).
 * @param {string[]} files
 * @param {string} output
 */
async function leiaMergeParquet(files, output) {
	if (files.length === 1) {
		await fs.copyFile(files[0], output);
		return;
	}
	const batches = [];
	for (const file of files) {
		const ipc = leiaReadParquet(new Uint8Array(await fs.readFile(file))).intoIPCStream();
		batches.push(...leiaTableFromIPC(ipc).batches);
	}
	const merged = tableToIPC(new LeiaArrowTable(batches), 'stream');
	const properties = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
	await fs.writeFile(output, writeParquet(Table.fromIPCStream(merged), properties));
}
`
	},
	{
		file: '@evidence-dev/universal-sql/src/client-duckdb/node.js',
		edits: [
			{ find: NO_AUTOLOAD_FIND, replace: NO_AUTOLOAD_REPLACE },
			{
				find:
					'\t\t\tdb.registerFileURL(\n' +
					'\t\t\t\tfile_name,\n' +
					'\t\t\t\turl.split(pathDelimiterRegex).join(path.sep),\n' +
					'\t\t\t\tDuckDBDataProtocol.NODE_FS,\n' +
					'\t\t\t\tfalse\n' +
					'\t\t\t);\n' +
					'\t\t\tconnection.query(\n' +
					'\t\t\t\t`CREATE OR REPLACE VIEW "${source}"."${table}" AS (SELECT * FROM read_parquet(\'${file_name}\'));`\n' +
					'\t\t\t);\n',
				replace:
					`\t\t\t// ${MARKER}: a table loaded through Arrow, not a view over read_parquet.\n` +
					'\t\t\tleiaLoadParquet(source, table, url.split(pathDelimiterRegex).join(path.sep));\n'
			}
		],
		append: `
// ${MARKER}
import { readFileSync as leiaReadFileSync } from 'fs';
import { readParquet as leiaReadParquet } from 'parquet-wasm/node/arrow1.js';

/**
 * Loads a Parquet file into DuckDB-WASM as the table "schema"."table" (parquet-wasm -> Arrow).
 * @param {string} schema
 * @param {string} table
 * @param {string} file
 */
function leiaLoadParquet(schema, table, file) {
	const ipc = leiaReadParquet(new Uint8Array(leiaReadFileSync(file))).intoIPCStream();
	connection.query(\`DROP TABLE IF EXISTS "\${schema}"."\${table}";\`);
	connection.insertArrowFromIPCStream(ipc, { schema, name: table, create: true });
}
`
	},
	{
		file: '@evidence-dev/universal-sql/src/client-duckdb/browser.js',
		edits: [
			{ find: NO_AUTOLOAD_FIND, replace: NO_AUTOLOAD_REPLACE },
			{
				find:
					'\t\t\t\tawait db.registerFileURL(file_name, addBasePath(path), DuckDBDataProtocol.HTTP, false);\n' +
					'\t\t\t\tawait connection.query(\n' +
					'\t\t\t\t\t`CREATE OR REPLACE VIEW "${source}"."${table}" AS (SELECT * FROM read_parquet(\'${file_name}\'));`\n' +
					'\t\t\t\t);\n',
				replace:
					`\t\t\t\t// ${MARKER}: a table loaded through Arrow, not a view over read_parquet.\n` +
					'\t\t\t\tawait leiaLoadParquet(source, table, addBasePath(path));\n'
			}
		],
		append: `
// ${MARKER}
/** @type {Promise<unknown> | undefined} */
let leiaParquetReady;

/**
 * Fetches a Parquet file of the site and loads it into DuckDB-WASM as the table
 * "schema"."table" (parquet-wasm -> Arrow): no DuckDB extension, no download from the internet.
 * @param {string} schema
 * @param {string} table
 * @param {string} href
 */
async function leiaLoadParquet(schema, table, href) {
	const parquet = await import('parquet-wasm/esm/arrow1.js');
	leiaParquetReady ??= import('parquet-wasm/esm/arrow1_bg.wasm?url').then((wasm) =>
		parquet.default(wasm.default)
	);
	await leiaParquetReady;
	const response = await fetch(href);
	if (!response.ok) throw new Error(\`cannot fetch \${href}: HTTP \${response.status}\`);
	const ipc = parquet.readParquet(new Uint8Array(await response.arrayBuffer())).intoIPCStream();
	await connection.query(\`DROP TABLE IF EXISTS "\${schema}"."\${table}";\`);
	await connection.insertArrowFromIPCStream(ipc, { schema, name: table, create: true });
}
`
	},
	{
		file: '@evidence-dev/component-utilities/src/formatting.js',
		edits: [
			{
				find:
					'\tif (result === undefined) {\n' +
					'\t\tresult = fallbackFormat(value, columnUnitSummary);\n' +
					'\t}\n' +
					'\treturn result;\n' +
					'}\n',
				replace:
					`\t// ${MARKER}: French number formatting.\n` +
					'\tif (result === undefined) {\n' +
					'\t\treturn leiaFallbackFormat(value, columnUnitSummary);\n' +
					'\t}\n' +
					'\treturn leiaFrench(value, columnFormat, result);\n' +
					'}\n'
			}
		],
		append: `
// ${MARKER}
const LEIA_NNBSP = '\\u202f'; // narrow no-break space: French thousands separator, before %

/**
 * SSF formats numbers with English separators (1,403,379.5): turn them French (1 403 379,5).
 * Dates and strings are left alone.
 */
function leiaFrench(value, columnFormat, result) {
	if (typeof result !== 'string') return result;
	if (columnFormat?.valueType === 'date' || value instanceof Date) return result;
	const numeric =
		typeof value === 'number' ||
		typeof value === 'bigint' ||
		(columnFormat?.valueType === 'number' && typeof value === 'string' && value.trim() !== '');
	if (!numeric) return result;
	return result
		.replace(/[,.]/g, (c) => (c === ',' ? LEIA_NNBSP : ','))
		.replace(/(\\d)\\s?%/g, \`$1\${LEIA_NNBSP}%\`);
}

function leiaFallbackFormat(value, columnUnitSummary) {
	if (typeof value === 'number') {
		return value.toLocaleString('fr-FR', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
	}
	return fallbackFormat(value, columnUnitSummary);
}
`
	},
	{
		file: '@evidence-dev/component-utilities/src/echarts.js',
		edits: [
			{
				find: "import { registerTheme, init, connect } from 'echarts';\n",
				replace:
					"import { registerTheme, init, connect, registerLocale } from 'echarts';\n" +
					`// ${MARKER}: charts in French (month and day names of time axes).\n` +
					'registerLocale(\'FR\', LEIA_ECHARTS_FR_FACTORY());\n'
			},
			{
				find: '\t\tchart = init(node, options.theme, {\n',
				replace: `\t\tchart = init(node, options.theme, {\n\t\t\tlocale: 'FR', // ${MARKER}\n`
			}
		],
		append: `
// ${MARKER}
// Hoisted: a function declaration, so registerLocale above can use it before this line.
function LEIA_ECHARTS_FR_FACTORY() {
	return {
		time: {
			month: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août',
				'septembre', 'octobre', 'novembre', 'décembre'],
			monthAbbr: ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.',
				'oct.', 'nov.', 'déc.'],
			dayOfWeek: ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
			dayOfWeekAbbr: ['dim.', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.']
		},
		legend: { selector: { all: 'Tout', inverse: 'Inverser' } }
	};
}
`
	}
];

// Evidence's interface strings (core-components 5.4.2, evidence 40.1.8), hard-coded in English
// with no setting or prop to change them: [file, [[English, French, occurrences?], ...]]. Each
// English text must be found exactly once (or `occurrences` times), like every edit above.
const CORE = '@evidence-dev/core-components/dist';
const FRENCH_INTERFACE = [
	[
		`${CORE}/unsorted/viz/table/_DataTable.svelte`,
		[
			[
				'<div class="noresults" class:shownoresults={showNoResults}>No Results</div>',
				'<div class="noresults" class:shownoresults={showNoResults}>Aucun résultat</div>'
			],
			["\t\t\t\ttitle: 'Search Failed',\n", "\t\t\t\ttitle: 'Échec de la recherche',\n"],
			["message: 'Please use a query instead.'", "message: 'Utilisez plutôt une requête.'"],
			['aria-label="first-page"', 'aria-label="Première page"'],
			['aria-label="previous-page"', 'aria-label="Page précédente"'],
			['aria-label="next-page"', 'aria-label="Page suivante"'],
			['aria-label="last-page"', 'aria-label="Dernière page"'],
			[
				'<span class="page-count ml-1">{pageCount.toLocaleString()}</span>',
				"<span class=\"page-count ml-1\">{pageCount.toLocaleString('fr-FR')}</span>"
			],
			[
				'{displayedPageLength.toLocaleString()} of {totalRows.toLocaleString()} records',
				"{displayedPageLength.toLocaleString('fr-FR')} sur {totalRows.toLocaleString('fr-FR')} lignes"
			],
			// the CSV download: labelled, and shown at all times (Evidence shows it on hover only)
			[
				'<DownloadData class="download-button" data={tableData} {queryID} display={hovering} />',
				'<DownloadData class="download-button" data={tableData} {queryID} text="Télécharger (CSV)" />',
				2
			]
		]
	],
	// a table whose rows link to a page (link=…): its screen-reader column and links
	[`${CORE}/unsorted/viz/table/TableHeader.svelte`, [['>Links<', '>Liens<']]],
	[
		`${CORE}/unsorted/viz/table/TableRow.svelte`,
		[['class="sr-only">See more<', 'class="sr-only">Voir la page<']]
	],
	[
		`${CORE}/unsorted/ui/DownloadData.svelte`,
		[
			["\texport let text = 'Download';\n", "\texport let text = 'Télécharger';\n"],
			// a CSV that French spreadsheets open in columns: `;` between fields, decimal comma
			["\t\t\tfieldSeparator: ',',\n", "\t\t\tfieldSeparator: ';',\n"],
			["\t\t\tdecimalSeparator: '.',\n", "\t\t\tdecimalSeparator: ',',\n"],
			["(queryID ?? 'evidence_download')", "(queryID ?? 'donnees')"]
		]
	],
	[
		`${CORE}/unsorted/viz/core/SearchBar.svelte`,
		[["\texport let placeholder = 'Search';\n", "\texport let placeholder = 'Rechercher';\n"]]
	],
	[
		`${CORE}/unsorted/viz/table/EnterFullScreen.svelte`,
		[
			['aria-label="Enter Fullscreen"', 'aria-label="Plein écran"'],
			['<span>Fullscreen</span>', '<span>Plein écran</span>']
		]
	],
	[
		`${CORE}/unsorted/viz/core/ECharts.svelte`,
		[
			['text="Save Image"', 'text="Enregistrer l\'image"'],
			['text="Download Data"', 'text="Télécharger les données (CSV)"']
		]
	],
	[`${CORE}/atoms/skeletons/Skeleton.svelte`, [['>Loading...<', '>Chargement…<']]],
	[`${CORE}/unsorted/viz/core/Value.svelte`, [['>Loading...<', '>Chargement…<']]],
	[`${CORE}/unsorted/ui/ChartLoading.svelte`, [['>Loading...<', '>Chargement…<']]],
	[`${CORE}/organisms/layout/misc/LoadingSkeleton.svelte`, [['>Loading...<', '>Chargement…<']]],
	[
		`${CORE}/organisms/layout/header/Header.svelte`,
		[
			['>Close sidebar<', '>Fermer le menu<'],
			['>Open sidebar<', '>Ouvrir le menu<']
		]
	],
	[`${CORE}/organisms/layout/sidebar/Sidebar.svelte`, [['>Close sidebar<', '>Fermer le menu<']]],
	[
		`${CORE}/organisms/layout/tableofcontents/ContentsList.svelte`,
		[['\t\tOn this page\n', '\t\tSur cette page\n']]
	],
	[
		`${CORE}/organisms/layout/header/KebabMenu.svelte`,
		[
			['\t\t\t\tPrint PDF\n', '\t\t\t\tImprimer (PDF)\n'],
			['\t\t\t\t\tAppearance\n', '\t\t\t\t\tApparence\n'],
			["? 'System'", "? 'Système'"],
			["? 'Light'", "? 'Clair'"],
			[": 'Dark';", ": 'Sombre';"]
		]
	],
	[
		`${CORE}/atoms/inputs/dropdown/Dropdown.svelte`,
		[
			[
				'<Command.Empty>No results found.</Command.Empty>',
				'<Command.Empty>Aucun résultat.</Command.Empty>'
			]
		]
	],
	// the page template: the pages are in French (screen readers, hyphenation, spelling)
	['@evidence-dev/evidence/template/src/app.html', [['<html lang="en">', '<html lang="fr">']]]
];

for (const [file, strings] of FRENCH_INTERFACE) {
	const html = file.endsWith('.html');
	PATCHES.push({
		file,
		edits: strings.map(([find, replace, count], index) => ({
			find,
			// the marker rides on the first edit (app.html: no text may follow </html>)
			replace:
				index === 0 && html ? `${replace}\n<!-- ${MARKER}: French interface -->` : replace,
			count: count ?? 1
		})),
		append: html ? '' : `\n<!-- ${MARKER}: Evidence's interface strings in French -->\n`
	});
}

function fail(message) {
	console.error(`\n[leia] Evidence offline patch FAILED: ${message}`);
	console.error(
		'[leia] Without it `evidence sources` / `evidence build` hang with no network ' +
			'(evidence-dev/evidence#3155). Update reports/scripts/patch-evidence-offline.mjs for ' +
			'the new Evidence code, prove the build offline, then pin the new versions (docs/bi.md).\n'
	);
	process.exit(1);
}

function installedVersion(pkg) {
	const manifest = path.join(NODE_MODULES, pkg, 'package.json');
	if (!fs.existsSync(manifest)) fail(`${pkg} is not installed in ${NODE_MODULES}`);
	return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}

function countOccurrences(text, fragment) {
	return text.split(fragment).length - 1;
}

const checkOnly = process.argv.includes('--check');

for (const [pkg, expected] of Object.entries(EXPECTED_VERSIONS)) {
	const actual = installedVersion(pkg);
	if (actual !== expected) fail(`${pkg} is ${actual}; the patch was proven with ${expected}`);
}

let patched = 0;
for (const patch of PATCHES) {
	const file = path.join(NODE_MODULES, patch.file);
	if (!fs.existsSync(file)) fail(`${patch.file} does not exist`);
	let text = fs.readFileSync(file, 'utf8');
	if (text.includes(MARKER)) {
		const missing = patch.edits.filter(
			(edit) => countOccurrences(text, edit.replace) < (edit.count ?? 1)
		);
		if (missing.length) fail(`${patch.file} carries the marker but not the expected edits`);
		continue;
	}
	if (checkOnly) fail(`${patch.file} is not patched (was \`npm ci\` run with --ignore-scripts?)`);
	for (const edit of patch.edits) {
		const expected = edit.count ?? 1;
		const count = countOccurrences(text, edit.find);
		if (count !== expected) {
			fail(`${patch.file}: the code to replace was found ${count} times instead of ${expected}`);
		}
		text = text.replaceAll(edit.find, () => edit.replace);
	}
	text += patch.append ?? '';
	const tmp = `${file}.leia-tmp`;
	fs.writeFileSync(tmp, text);
	fs.renameSync(tmp, file);
	patched += 1;
}

console.log(
	checkOnly
		? `[leia] Evidence offline patch present (${PATCHES.length} files, ${MARKER})`
		: `[leia] Evidence offline patch: ${patched} file(s) patched, ` +
				`${PATCHES.length - patched} already patched (${MARKER})`
);
