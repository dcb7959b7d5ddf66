package dev.regent;

public final class Main {
    public static void main(String[] args) {
        System.out.println("regent");
    }
}
