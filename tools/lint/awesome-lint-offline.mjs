#!/usr/bin/env node
// awesome-lint without the rules that need the network or a GitHub checkout.
//
// Usage: node awesome-lint-offline.mjs README.md
// Prints one line per message, "FILE:LINE:COLUMN: error|warning RULE: MESSAGE", and exits 1 when
// any message is an error, 0 otherwise, 2 when the linter itself could not run.
//
// Left out, and why:
// - awesome-github asks api.github.com about the repository (description, topics, licence) and
//   fails outright when the clone's remote is not on GitHub, which is what CI checks out.
// - awesome-contributing wants a contributing.md beside the README; this list takes contributions
//   through Zotero and reviews/, which the README's own outro explains.
// Changed, and why:
// - double-link. The list repeats an entry, word for word, in every section its paper is filed in
//   (CONTRACT: "an item in two sub-collections appears in both sections"). Upstream would flag the
//   second copy's link. We still check the first copy of every entry against every other link, so
//   two different entries that share a URL are still caught; only the repeats are skipped (compared up
//   to the summary, which may differ per section).
// - awesome-list-item's "link and description must be separated with a dash". The curator's format
//   lets an entry carry only its citation (`- [Title](url), *ICSE 2021*`) until its summary is
//   written. An entry with no " - " at all, whose text after the link is only the venue, note and
//   tags (text and emphasis), is accepted; an entry that has a description is checked as upstream.
// - balanced-punctuation is reported as a warning, not an error. It counts quote marks, and real
//   titles hold unpaired ones that are right as they are: the Dutch ’t in "’t Hooft’s S-matrix", an
//   inch mark in `12" display`. Failing the check would leave the curator only the choice of
//   misspelling the title; the warning still points at a quote that really is stray.
import path from 'node:path';
import process from 'node:process';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {visit} from 'unist-util-visit';

const here = path.dirname(fileURLToPath(import.meta.url));
const fromPackage = async name => import(pathToFileURL(path.join(here, 'node_modules', name)).href);

const SKIPPED = new Set(['remark-lint:awesome-github', 'remark-lint:awesome-contributing']);
const WARN_ONLY = new Set(['balanced-punctuation']);

const main = async () => {
	const file = process.argv[2];
	if (!file) {
		console.error('usage: node awesome-lint-offline.mjs README.md');
		return 2;
	}

	const {default: lint} = await fromPackage('awesome-lint/index.js');
	const {createConfig} = await fromPackage('awesome-lint/config.js');
	const {createRules} = await fromPackage('awesome-lint/rules/index.js');
	const {createAwesomeListIgnore} = await fromPackage('awesome-lint/rules/double-link.js');

	const ignoreRepeatedEntries = ast => {
		const upstream = createAwesomeListIgnore(ast);
		const seen = new Set();
		const repeats = new Set();
		visit(ast, 'listItem', item => {
			const [paragraph] = item.children;
			if (paragraph?.type !== 'paragraph') {
				return;
			}

			// The citation (link, venue, note, tags) up to the " - " before the summary: a paper may
			// carry a different summary in each section it is filed in (review files' `summary:` mapping).
			const text = JSON.stringify(citation(paragraph.children).map(child => strip(child)));
			if (seen.has(text)) {
				visit(paragraph, 'link', link => {
					repeats.add(link);
				});
			} else {
				seen.add(text);
			}
		});
		return node => repeats.has(node) || upstream(node);
	};

	const rules = createRules()
		.filter(([rule]) => !SKIPPED.has(rule.name))
		.map(([rule, options]) => (rule.name === 'remark-lint:double-link'
			? [rule, [options[0], {...options[1], shouldIgnore: ignoreRepeatedEntries}]]
			: [rule, options]));

	const vfiles = await lint({filename: file, config: [...createConfig(rules), acceptCitationOnlyEntries]});
	let errors = 0;
	for (const vfile of vfiles) {
		for (const message of vfile.messages) {
			// Rules configured as 'error' report fatal messages; spell-check is configured as 'warn'.
			const level = message.fatal === true && !WARN_ONLY.has(message.ruleId) ? 'error' : 'warning';
			if (level === 'error') {
				errors++;
			}

			const where = `${path.relative(process.cwd(), vfile.path)}:${message.line ?? 1}:${message.column ?? 1}`;
			console.log(`${where}: ${level} ${message.ruleId ?? message.source ?? 'awesome-lint'}: ${message.reason}`);
		}
	}

	return errors > 0 ? 1 : 0;
};

const DASH_MESSAGE = 'List item link and description must be separated with a dash';

// Runs after every rule: drops the dash message for entries that have no description at all.
function acceptCitationOnlyEntries() {
	return (tree, file) => {
		const citationOnly = [];
		visit(tree, 'listItem', item => {
			const [paragraph] = item.children;
			const [first, ...rest] = paragraph?.type === 'paragraph' ? paragraph.children : [];
			if (first?.type !== 'link' || rest.length === 0) {
				return;
			}

			const onlyCitation = rest.every(node => node.type === 'emphasis' || (node.type === 'text' && !node.value.includes(' - ')));
			if (onlyCitation) {
				citationOnly.push(paragraph.position);
			}
		});
		const inside = (message, place) => place && message.line >= place.start.line && message.line <= place.end.line;
		file.messages = file.messages.filter(message => !(
			message.ruleId === 'awesome-list-item'
			&& message.reason === DASH_MESSAGE
			&& citationOnly.some(place => inside(message, place))));
	};
}

// The entry's nodes before its description: up to the text node holding " - ", cut there.
function citation(children) {
	const out = [];
	for (const child of children) {
		if (child.type === 'text' && child.value.includes(' - ')) {
			out.push({...child, value: child.value.slice(0, child.value.indexOf(' - '))});
			return out;
		}

		out.push(child);
	}

	return out;
}

// A node without its source position, so two copies of an entry compare equal.
function strip(node) {
	const {position, children, ...rest} = node;
	void position;
	return children ? {...rest, children: children.map(child => strip(child))} : rest;
}

try {
	process.exitCode = await main();
} catch (error) {
	console.error(`awesome-lint-offline: ${error.message}`);
	process.exitCode = 2;
}
