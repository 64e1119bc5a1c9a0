package dev.dialtone.server; public final class Main { public static void main(String[] a) {} }
