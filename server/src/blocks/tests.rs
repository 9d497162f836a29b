//! Fixture text in, block list out (`UPDATE_EXPECT=1` refreshes).

use std::path::Path;

use expect_test::{expect, Expect};

use super::split_blocks;

/// `start-end kind name`, with `@line` after the range when the header
/// line is not the first (doc comments, attributes, decorators above it).
fn render(blocks: &[super::Block]) -> String {
    blocks
        .iter()
        .map(|b| {
            let header = if b.definition_line == b.start_line {
                String::new()
            } else {
                format!("@{}", b.definition_line)
            };
            format!(
                "{}-{}{header} {} {}\n",
                b.start_line, b.end_line, b.kind, b.name
            )
        })
        .collect()
}

fn check(file: &str, text: &str, expected: Expect) {
    expected.assert_eq(&render(&split_blocks(Path::new(file), text)));
}

/// The heuristic alone, as it runs for languages without a grammar.
fn check_heuristic(text: &str, expected: Expect) {
    expected.assert_eq(&render(&super::heuristic::split(text)));
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
            2-5@3 struct struct Span
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
            7-20@8 class class Cache
            11-12 method Cache.get
            14-16@15 method Cache.make
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

// The heuristic alone, on the shapes it must read where no grammar is (the
// same files with a grammar are read by tree-sitter, above).

#[test]
fn heuristic_c_and_java_like() {
    check_heuristic(
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
    check_heuristic(
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
    check_heuristic(
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
    check_heuristic(
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
    check_heuristic(
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
    check_heuristic(
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
fn heuristic_swift() {
    check_heuristic(
        r#"import Foundation

/// Something with an area.
protocol Shape {
    func area() -> Double
}

@MainActor
final class Canvas {
    // Draws every shape.
    func draw(_ shapes: [Shape],
              in rect: CGRect) {
        shapes.forEach { $0.render(rect) }
    }
}

extension Canvas: CustomStringConvertible {
    var description: String { "canvas" }
    func clear() {
    }
}
"#,
        expect![[r#"
            2-5@3 interface protocol Shape
            7-14@8 class class Canvas
            9-13@10 method Canvas.draw
            16-20 impl extension Canvas
            18-19 method Canvas.clear
        "#]],
    );
}

#[test]
fn heuristic_indentation_languages() {
    check_heuristic(
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
    check_heuristic(
        "Just prose, with a call(like this) in it.\nif (x) {\n}\n\nA line of prose\nfoo(bar) is called {\nwhen it is\n}\n",
        expect![[r#""#]],
    );
}

/// git.git's C: parameter lists over many lines, braces on a line of their
/// own, a comment block right above a function, `#ifndef` guards, the return
/// type on a line of its own, prototypes and table initialisers (not blocks).
const GIT_STYLE_C: &str = r#"#include "git-compat-util.h"

static int diff_rename_limit_default = 1000;

static const char *get_compact_summary(const struct diff_filepair *p, int is_renamed);

static struct diff_words_style diff_words_styles[] = {
	{ DIFF_WORDS_PORCELAIN, {"+", "\n"}, {"-", "\n"}, {" ", "\n"}, "~\n" },
};

/*
 * Given a name and a list of pathspecs, see if the name matches
 * any of the pathspecs.
 */
static void builtin_diff(const char *name_a,
			 const char *name_b,
			 struct diff_filespec *one,
			 struct diff_filespec *two,
			 const char *xfrm_msg,
			 int must_show_header,
			 struct diff_options *o,
			 int complete_rewrite,
			 const struct range_set *line_ranges)
{
	mmfile_t mf1, mf2;

	if (must_show_header) {
		fprintf(o->file, "%s", header.buf);
		strbuf_reset(&header);
	}
 free_ab_and_return:
	strbuf_release(&header);
	return;
}

static const struct userdiff_funcname *
diff_funcname_pattern(struct diff_options *o, struct diff_filespec *one)
{
	diff_filespec_load_driver(one, o->repo->index);
	return one->driver->funcname.pattern ? &one->driver->funcname : NULL;
}

struct diff_tempfile {
	const char *name;
	char hex[GIT_MAX_HEXSZ + 1];
};

#ifndef NO_PTHREADS
static struct diff_tempfile *claim_diff_tempfile(void)
{
	return NULL;
} /* claim_diff_tempfile */
#endif

// Frees a queue.
void diff_free_queue(struct diff_queue_struct *q)
{
	for (int i = 0; i < q->nr; i++)
		diff_free_filepair(q->queue[i]);
	free(q->queue);
}
"#;

#[test]
fn c_in_git_style() {
    check(
        "diff.c",
        GIT_STYLE_C,
        expect![[r#"
            10-33@14 function builtin_diff
            35-40 function diff_funcname_pattern
            42-45 struct struct diff_tempfile
            48-51 function claim_diff_tempfile
            54-60@55 function diff_free_queue
        "#]],
    );
    // Where there is no grammar the heuristic finds the same blocks.
    assert_eq!(
        render(&super::heuristic::split(GIT_STYLE_C)),
        render(&split_blocks(Path::new("diff.c"), GIT_STYLE_C))
    );
}

#[test]
fn cpp() {
    check(
        "shape.cpp",
        r#"#include <string>

namespace geo {
/// A shape with an area.
class Shape : public Base {
public:
    virtual double area() const = 0;
    std::string name() const {
        return "shape";
    }
    ~Shape() {}
};

struct Point { int x, y; };
}  // namespace geo

// Out of line, with its class in the name.
double Circle::area() const {
    return 3.14 * r * r;
}

template <typename T>
T max_of(T a,
         T b)
{
    return a > b ? a : b;
}

template <typename T>
class Box {
    T value;
};

extern "C" {
int c_api(void) { return 0; }
}

bool operator==(const Point &a, const Point &b) { return a.x == b.x; }
"#,
        expect![[r#"
            2-14 module namespace geo
            3-11@4 class class geo::Shape
            7-9 method geo::Shape::name
            10-10 method geo::Shape::~Shape
            13-13 struct struct geo::Point
            16-19@17 function Circle::area
            21-26@22 function max_of
            28-31@29 class class Box
            34-34 function c_api
            37-37 function operator==
        "#]],
    );
}

#[test]
fn java() {
    check(
        "Main.java",
        r#"package app;

import java.util.List;

/**
 * The entry point.
 */
@Service
@RequiredArgsConstructor
public class Main extends Base implements Runnable {
    private final int x;

    /** Builds one. */
    Main(int x) {
        this.x = x;
    }

    @Override
    public void run() {
        System.out.println("hi");
    }

    public abstract int size();

    interface Listener {
        void on();

        default void off() {
            on();
        }
    }

    enum Color {
        RED, GREEN;

        Color next() {
            return RED;
        }
    }
}

record Pair(int a, int b) {
    Pair {
        assert a <= b;
    }
}

@interface Marker {}
"#,
        expect![[r#"
            4-39@9 class class Main
            12-15@13 method Main.Main
            17-20@18 method Main.run
            24-30 interface interface Main.Listener
            27-29 method Main.Listener.off
            32-38 enum enum Main.Color
            35-37 method Main.Color.next
            41-45 class record Pair
            42-44 method Pair.Pair
            47-47 interface @interface Marker
        "#]],
    );
}

#[test]
fn csharp() {
    check(
        "Cart.cs",
        r#"using System;

namespace Shop.Models
{
    /// <summary>A cart of items.</summary>
    [Serializable]
    public class Cart : IEnumerable<Item>
    {
        public int Count { get; set; }

        /// <summary>Adds one.</summary>
        public void Add(Item item)
        {
            items.Add(item);
        }

        public int Total() => items.Sum(i => i.Price);

        public Cart() { }

        ~Cart() { }
    }

    public interface IShape
    {
        double Area();
    }

    struct Point { public int X; }

    enum Kind { A, B }

    record Person(string Name);
}
"#,
        expect![[r#"
            2-33 module namespace Shop.Models
            4-21@6 class class Cart
            10-14@11 method Cart.Add
            16-16 method Cart.Total
            18-18 method Cart.Cart
            20-20 method Cart.~Cart
            23-26 interface interface IShape
            28-28 struct struct Point
            30-30 enum enum Kind
            32-32 class record Person
        "#]],
    );
}

#[test]
fn ruby() {
    check(
        "runner.rb",
        r#"require "json"

module Tasks
  # Runs jobs, one at a time.
  class Runner < Base
    attr_reader :queue

    # Runs one job.
    def run(job)
      job.call
    end

    def self.make
      new
    end

    class << self
      def default
        make
      end
    end
  end

  module Helpers
    def pad(s) = s.rjust(4)
  end
end

def helper
  1
end
"#,
        expect![[r#"
            2-26 module module Tasks
            3-21@4 class class Tasks::Runner
            7-10@8 method Tasks::Runner#run
            12-14 method Tasks::Runner.make
            16-20 class class << Tasks::Runner
            17-19 method Tasks::Runner.default
            23-25 module module Tasks::Helpers
            24-24 method Tasks::Helpers#pad
            28-30 function helper
        "#]],
    );
}

#[test]
fn php() {
    check(
        "Cart.php",
        r#"<?php
namespace App\Models;

use Illuminate\Support\Collection;

/**
 * A cart.
 */
#[Entity]
final class Cart extends Model implements \Countable
{
    private array $items = [];

    /** Adds one item. */
    public function add(Item $item): void
    {
        $this->items[] = $item;
    }

    abstract protected function size(): int;
}

function helper($x) {
    return $x;
}

interface Shape
{
    public function area(): float;
}

trait Greets
{
    public function hi(): string { return "hi"; }
}

enum Suit: string
{
    case Hearts = 'h';

    public function label(): string
    {
        return ucfirst($this->name);
    }
}
"#,
        expect![[r#"
            5-20@9 class class Cart
            13-17@14 method Cart::add
            22-24 function helper
            26-29 interface interface Shape
            31-34 trait trait Greets
            33-33 method Greets::hi
            36-44 enum enum Suit
            40-43 method Suit::label
        "#]],
    );
}

#[test]
fn bash() {
    check(
        "deploy.sh",
        r#"#!/bin/sh
set -e

# Builds everything.
build() {
  make all
}

function deploy {
  helper() { echo nested; }
  scp out host:
}

deploy_all () (
  deploy
)

if test -n "$OPTIONS_SPEC"; then
	usage() {
		"$0" -h
	}
else
	usage() {
		die "$USAGE"
	}
fi

case $(uname -s) in
*MINGW*)
	sort () {
		/usr/bin/sort "$@"
	}
	;;
esac

# Like test_must_fail, but tolerates success.
test_might_fail () {
	test_must_fail ok=success "$@" 2>&7
} 7>&2 2>&4
"#,
        expect![[r#"
            3-6@4 function build
            8-11 function deploy
            13-15 function deploy_all
            18-20 function usage
            22-24 function usage
            29-31 function sort
            35-38@36 function test_might_fail
        "#]],
    );
}

#[test]
fn lua() {
    check(
        "init.lua",
        r#"local M = {}

--- Sets the plugin up.
---@param opts table
function M.setup(opts)
  M.opts = opts
end

function M:reset()
  self.opts = {}
end

local function helper()
  return 1
end

M.format = function(s)
  return s
end

local count = 0

return M
"#,
        expect![[r#"
            2-6@4 function M.setup
            8-10 method M:reset
            12-14 function helper
            16-18 function M.format
        "#]],
    );
}

#[test]
fn kotlin() {
    check(
        "Svc.kt",
        r#"package app

import x.y

/** A service. */
@Singleton
class Svc(private val repo: Repo) : Base() {
    val size: Int get() = 1

    // Loads one.
    fun load(id: String): User {
        return repo.find(id)
    }

    suspend fun save(u: User) = repo.save(u)

    constructor(x: Int) : this(Repo())

    companion object {
        fun make(): Svc = Svc(Repo())
    }

    abstract fun later()
}

object Registry {
    fun all() = listOf<Svc>()
}

interface Shape {
    fun area(): Double
    fun name(): String { return "s" }
}

enum class Color { RED; fun next() = RED }

fun String.shout(): String = uppercase()

fun main() {
    fun nested() {}
}

data class P(val a: Int)

typealias Id = String
"#,
        expect![[r#"
            4-23@6 class class Svc
            9-12@10 method Svc.load
            14-14 method Svc.save
            16-16 method Svc.constructor
            18-20 class companion object Svc.Companion
            19-19 method Svc.make
            25-27 class object Registry
            26-26 method Registry.all
            29-32 interface interface Shape
            31-31 method Shape.name
            34-34 enum enum class Color
            34-34 method Color.next
            36-36 function String.shout
            38-40 function main
            42-42 class class P
        "#]],
    );
}

#[test]
fn doc_comments_and_attributes_belong_to_their_item() {
    // ripgrep's shape: hovering the doc comment of a method must give the method, not the impl.
    check(
        "searcher.rs",
        r#"//! Searching.

/// What to search.
#[derive(Clone, Debug)]
pub struct Searcher {
    line_term: u8,
}

impl Searcher {
    /// Create a new searcher.
    ///
    /// It uses the default configuration.
    #[inline]
    pub fn new() -> Searcher {
        Searcher { line_term: b'\n' }
    }

    pub fn line_terminator(&self) -> u8 { self.line_term } // the byte

    // Not a doc comment, still the method's.
    fn reset(&mut self) {}
}

/// Far from its item.

fn lonely() {}
"#,
        expect![[r#"
            2-6@4 struct struct Searcher
            8-21 impl impl Searcher
            9-15@13 method Searcher::new
            17-17 method Searcher::line_terminator
            19-20@20 method Searcher::reset
            25-25 function lonely
        "#]],
    );
    check(
        "views.py",
        r#"import functools

# Cached: computing it is slow.
@functools.cache
@login_required
def dashboard(request):
    return render(request)
"#,
        expect![[r#"
            2-6@5 function dashboard
        "#]],
    );
    check(
        "api.ts",
        r#"/** Loads a user. */
export async function load(id: string) {
  return fetch(id);
}

@Component({ selector: "app" })
export class App {
  // Runs on start.
  @HostListener("click")
  onClick() {}
}
"#,
        expect![[r#"
            0-3@1 function load
            5-10@6 class class App
            7-9@9 method App.onClick
        "#]],
    );
    check(
        "main.go",
        r#"package main

// Serve answers requests.
// It never returns.
func Serve() {
}
"#,
        expect![[r#"
            2-5@4 function Serve
        "#]],
    );
}

#[test]
fn heuristic_multi_line_headers_and_leading_comments() {
    check_heuristic(
        r#"# A Nim-ish or unknown language: only the shapes matter.

/**
 * Adds many things.
 */
@Annotated
int add_all(int a,
            int b,
            int c,
            int d,
            int e,
            int f)
{
    return a + b + c + d + e + f;
}

int prototype(int a,
              int b);

def long_python_like(
    first,
    second,
):
    return first

## Shell style comment
deploy() {
  run
}
"#,
        expect![[r#"
            2-14@6 function add_all
            19-23 function long_python_like
            25-28@26 function deploy
        "#]],
    );
}

proptest::proptest! {
    /// Whatever the text, blocks stay inside it and are well-formed, in every language.
    #[test]
    fn blocks_stay_inside_the_text(
        text in "(def |fn |class |func |impl |function |[a-z]{1,6}|[{}()\\[\\]:;=<>\"'/*#`]|[–«»é😀]| |\t|\n|    ){0,80}",
        extension in proptest::sample::select(vec![
            "rs", "py", "js", "ts", "tsx", "go", "c", "h", "cpp", "java", "cs", "rb", "php", "sh",
            "lua", "kt", "txt",
        ]),
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
