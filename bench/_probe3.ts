import Database from 'better-sqlite3';
const db = new Database(':memory:');
db.exec('create table t(a integer, b text)');
const ins = db.prepare('insert into t values (?, ?)');
const tx = db.transaction((n: number) => { for (let i = 0; i < n; i++) ins.run(i, 'hello'); });
for (let r = 0; r < 5; r++) { const t = performance.now(); tx(100000); console.log('100k simple inserts', (performance.now() - t).toFixed(1), 'ms'); }
let x = 0; const t = performance.now(); for (let i = 0; i < 1e7; i++) x += i % 7; console.log('1e7 loop', (performance.now() - t).toFixed(1), x);
