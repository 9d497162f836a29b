//! Fixture text in, block list out (`UPDATE_EXPECT=1` refreshes).

use std::path::Path;

use expect_test::{expect, Expect};

use super::split_blocks;

fn check(file: &str, text: &str, expected: Expect) {
    let rendered: String = split_blocks(Path::new(file), text)
        .iter()
        .map(|b| format!("{}-{} {} {}\n", b.start_line, b.end_line, b.kind, b.name))
        .collect();
    expected.assert_eq(&rendered);
}

#[test]
fn rust() {
    check(
        "lib.rs",
        r#"use std::fmt;

/// A span.
pub struct Span {
    start: u32,
}

impl Span {
    pub fn len(&self) -> u32 {
        let f = |x: u32| x + 1;
        f(self.start)
    }
}

impl<T: Copy> fmt::Display for Wrapper<T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "w")
    }
}

trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &str {
        "shape"
    }
}

mod inner {
    pub fn helper() {}
}

enum Kind { A, B }

macro_rules! square {
    ($x:expr) => { $x * $x };
}

fn main() {
    fn nested() {}
}
"#,
        expect![[r#"
            3-5 struct struct Span
            7-12 impl impl Span
            8-11 method Span::len
            14-18 impl impl fmt::Display for Wrapper<T>
            15-17 method Wrapper::fmt
            20-25 trait trait Shape
            22-24 method Shape::name
            27-29 module mod inner
            28-28 function inner::helper
            31-31 enum enum Kind
            33-35 macro macro_rules! square
            37-39 function main
        "#]],
    );
}

#[test]
fn python() {
    check(
        "app.py",
        r#"import os

def top(a, b):
    def inner():
        pass
    return a + b

@dataclass
class Cache:
    size: int = 0

    def get(self, key):
        return None

    @staticmethod
    def make():
        return Cache()

    class Entry:
        def touch(self):
            pass
"#,
        expect![[r#"
            2-5 function top
            7-20 class class Cache
            11-12 method Cache.get
            14-16 method Cache.make
            18-20 class class Cache.Entry
            19-20 method Cache.Entry.touch
        "#]],
    );
}

#[test]
fn javascript() {
    check(
        "app.js",
        r#"import x from "x";

export function load(path) {
  return x(path);
}

const handler = async (event) => {
  return event;
};

class Store {
  items = [];
  onChange = () => {
    this.items = [];
  };

  get(id) {
    return this.items[id];
  }
}

export default class {
  run() {}
}
"#,
        expect![[r#"
            2-4 function load
            6-8 function handler
            10-19 class class Store
            12-14 method Store.onChange
            16-18 method Store.get
            21-23 class class default
            22-22 method default.run
        "#]],
    );
}

#[test]
fn typescript() {
    check(
        "svc.ts",
        r#"export interface User {
  id: string;
}

export class Service<T> {
  private cache = new Map<string, T>();

  constructor(private readonly http: Http) {}

  async fetch(id: string): Promise<T> {
    return this.http.get(id);
  }
}

export const format = (u: User): string => u.id;

namespace Util {
  export function pad(s: string) {
    return s;
  }
}

enum Color { Red, Green }
"#,
        expect![[r#"
            0-2 interface interface User
            4-12 class class Service
            7-7 method Service.constructor
            9-11 method Service.fetch
            14-14 function format
            16-20 module namespace Util
            17-19 function Util.pad
            22-22 enum enum Color
        "#]],
    );
}

#[test]
fn tsx() {
    check(
        "view.tsx",
        r#"export function View({ name }: Props) {
  return <div>{name}</div>;
}
"#,
        expect![[r#"
            0-2 function View
        "#]],
    );
}

#[test]
fn go() {
    check(
        "server.go",
        r#"package main

type Server struct {
	addr string
}

type Handler interface {
	Serve()
}

type (
	ID   string
	Pair struct{ a, b int }
)

func (s *Server) Serve() error {
	return nil
}

func (p Pair[T]) Sum() int { return p.a + p.b }

func main() {
	go func() {}()
}
"#,
        expect![[r#"
            2-4 struct type Server
            6-8 interface type Handler
            11-11 type type ID
            12-12 struct type Pair
            15-17 method Server.Serve
            19-19 method Pair.Sum
            21-23 function main
        "#]],
    );
}

#[test]
fn heuristic_c_and_java_like() {
    check(
        "util.c",
        r#"#include <stdio.h>

static int counter = 0;

int add(int a, int b)
{
    if (a > b) {
        return a;
    }
    return a + b; /* } not a close */
}

void log_it(const char *s) {
    printf("{%s}\n", s);
}
"#,
        expect![[r#"
            4-10 function add
            12-14 function log_it
        "#]],
    );
    check(
        "Main.java",
        r#"package app;

public class Main {
    private int x;

    public static void main(String[] args) {
        System.out.println("hi");
    }

    int get() { return x; }
}
"#,
        expect![[r#"
            2-10 class class Main
            5-7 method Main.main
            9-9 method Main.get
        "#]],
    );
}

#[test]
fn heuristic_more_languages() {
    check(
        "shape.cpp",
        r#"namespace geo {
class Shape {
public:
    virtual double area() const = 0;
    std::string name() const {
        return "shape";
    }
};
}

double Circle::area() const {
    return 3.14 * r * r;
}

template <typename T>
T max_of(T a, T b) { return a > b ? a : b; }
"#,
        expect![[r#"
            0-8 module namespace geo
            1-7 class class geo.Shape
            4-6 method geo.Shape.name
            10-12 function Circle::area
            15-15 function max_of
        "#]],
    );
    check(
        "deploy.sh",
        r#"#!/bin/sh
build() {
  make all
}

function deploy {
  scp out host:
}
"#,
        expect![[r#"
            1-3 function build
            5-7 function deploy
        "#]],
    );
    check(
        "init.lua",
        r#"local M = {}

function M.setup(opts)
  M.opts = opts
end

local function helper()
  return 1
end

return M
"#,
        expect![[r#"
            2-4 function M.setup
            6-8 function helper
        "#]],
    );
    check(
        "Svc.kt",
        r#"class Svc(private val repo: Repo) {
    fun load(id: String): User {
        return repo.find(id)
    }

    suspend fun save(u: User) = repo.save(u)
}
"#,
        expect![[r#"
            0-6 class class Svc
            1-3 method Svc.load
        "#]],
    );
}

#[test]
fn heuristic_indentation_languages() {
    check(
        "task.rb",
        r#"module Tasks
  class Runner
    def run(job)
      job.call
    end
  end
end

def helper
  1
end
"#,
        expect![[r#"
            0-6 module module Tasks
            1-5 class class Tasks.Runner
            2-4 method Tasks.Runner.run
            8-10 function helper
        "#]],
    );
    check(
        "notes.txt",
        "Just prose, with a call(like this) in it.\nif (x) {\n}\n",
        expect![[r#""#]],
    );
}

proptest::proptest! {
    /// Whatever the text, blocks stay inside it and are well-formed, in every language.
    #[test]
    fn blocks_stay_inside_the_text(
        text in "(def |fn |class |func |impl |function |[a-z]{1,6}|[{}()\\[\\]:;=<>\"'/*#`]|[–«»é😀]| |\t|\n|    ){0,80}",
        extension in proptest::sample::select(vec!["rs", "py", "js", "ts", "tsx", "go", "c", "rb", "txt"]),
    ) {
        let lines = text.lines().count().max(1) as u32;
        for block in split_blocks(Path::new(&format!("f.{extension}")), &text) {
            proptest::prop_assert!(block.start_line <= block.end_line, "{block:?}");
            proptest::prop_assert!(block.end_line < lines.max(block.start_line + 1), "{block:?} in {lines} lines");
            proptest::prop_assert!(!block.name.is_empty());
        }
    }
}

#[test]
fn heuristic_survives_multi_byte_punctuation_before_a_paren() {
    // An en dash right before a name-like word and a `(`: seen in prose files.
    let text = "Goal 100–120 (ms) {\n  x\n}\nint «main»(void) {\n  return 0;\n}\n";
    let blocks = crate::blocks::split_blocks(std::path::Path::new("notes.md"), text);
    assert!(blocks.iter().all(|b| b.end_line < 7), "{blocks:?}");
}
